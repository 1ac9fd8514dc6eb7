extension MLflowShapeDecoder {
    // MARK: dataframe_split

    /// `columns` is complete: map it to the features, then place any rows that came before it.
    mutating func nameColumns() throws {
        var map = Array(repeating: -1, count: columnNames.count)
        for (feature, name) in nameBytes.enumerated() {
            guard let position = columnNames.firstIndex(of: name) else {
                throw Self.shapeError("the columns lack the model's feature \(names[feature])")
            }
            map[position] = feature
        }
        columnFeature = map
        columnNames = []
        var start = 0
        for length in rawRowLengths {
            guard length == map.count else { throw Self.shapeError("data row \(rowCount) has \(length) values for \(map.count) columns") }
            rowBase = pending.count
            pending.append(contentsOf: repeatElement(Double(bitPattern: Self.absentCell), count: width))
            for (column, feature) in map.enumerated() where feature >= 0 { pending[rowBase + feature] = rawCells[start + column] }
            start += length
            try finishRow()
        }
        rawCells = DoubleBlocks()
        rawRowLengths = []
    }

    /// One cell of a `data` row: placed in its feature when the columns are known, kept raw when they are not.
    mutating func dataCell(_ token: Token, column: Int) {
        if let map = columnFeature {
            if column < map.count && map[column] >= 0 { pending[rowBase + map[column]] = Self.cell(token) }
        } else {
            rawCells.append(Self.cell(token))
        }
        skip(token, returningTo: .dataRow)
    }

    mutating func endDataRow() throws {
        guard let map = columnFeature else {
            rawRowLengths.append(cell)
            return
        }
        guard cell == map.count else { throw Self.shapeError("data row \(rowCount) has \(cell) values for \(map.count) columns") }
        try finishRow()
    }

    // MARK: inputs as columns

    /// The `inputs` object is complete: every feature has a column, all of one length.
    mutating func endInputColumns() throws {
        if let missing = columnRead.firstIndex(of: false) { throw Self.shapeError("inputs lacks the feature \(names[missing])") }
        let count = columns[0].count
        guard columns.allSatisfy({ $0.count == count }) else { throw Self.shapeError("inputs' columns differ in length") }
        if columnsNeedCheck {
            for row in 0..<count {
                for feature in 0..<width where !columns[feature][row].isFinite {
                    columns[feature][row] = try resolve(columns[feature][row], feature: feature, row: row)
                }
            }
        }
        rowCount = count
        columnsComplete = true
    }
}

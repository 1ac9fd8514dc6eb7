extension MLflowShapeDecoder {
    // MARK: dataframe_split

    /// One name of `columns`: if it names a feature not named before, that feature's column is this one. Nothing of a
    /// name is kept, so a million names that are not features cost nothing but the limit on their number.
    mutating func nameColumn(_ name: UnsafeRawBufferPointer) throws {
        guard columnCount < maxColumns else { throw Self.tooManyColumns("dataframe_split has more than \(maxColumns) columns") }
        let feature = featureIndex(name)
        // The first column of a name is the feature's, as pandas' lookup by name gave it to the old reader.
        if feature >= 0 && featureColumn[feature] < 0 { featureColumn[feature] = columnCount }
        columnCount += 1
    }

    /// `columns` is complete: every feature must have a column; the feature columns in column order place each row's
    /// cells as they come. A `data` read before is read again by MLflowJSONParser.
    mutating func nameColumns() throws {
        if let missing = featureColumn.firstIndex(of: -1) { throw Self.shapeError("the columns lack the model's feature \(names[missing])") }
        mappedColumns = featureColumn.enumerated().map { MappedColumn(column: $1, feature: $0) }.sorted { $0.column < $1.column }
        columnsKnown = true
    }

    /// One cell of a `data` row: placed in its feature when the columns are known, only counted when they are not
    /// (the row's text is kept). Too many cells are refused at the first one too many.
    mutating func dataCell(_ token: Token) throws {
        if columnsKnown {
            guard cell < columnCount else {
                throw Self.shapeError("data row \(rowCount) has more than \(columnCount) values for \(columnCount) columns")
            }
            if nextMapped < mappedColumns.count && mappedColumns[nextMapped].column == cell {
                pending[rowBase + mappedColumns[nextMapped].feature] = Self.cell(token)
                nextMapped += 1
            }
        } else if cell == maxColumns {
            throw Self.tooManyColumns("data row \(capturedRows) has more than \(maxColumns) values")
        }
        cell += 1
        skip(token, returningTo: .dataRow)
    }

    mutating func endDataRow() throws {
        guard columnsKnown else {
            capturedRows += 1
            return
        }
        guard cell == columnCount else { throw Self.shapeError("data row \(rowCount) has \(cell) values for \(columnCount) columns") }
        try finishRow()
    }

    // MARK: inputs as columns

    /// The `inputs` object is complete: every feature has a column, all of one length. Their values are read from
    /// their text as they are drained.
    mutating func endInputColumns() throws {
        if let missing = columnLengths.firstIndex(of: -1) { throw Self.shapeError("inputs lacks the feature \(names[missing])") }
        let count = columnLengths[0]
        guard columnLengths.allSatisfy({ $0 == count }) else { throw Self.shapeError("inputs' columns differ in length") }
        columnCursors = columnTexts.map { ColumnCursor(text: $0) }
        columnTexts = []
        rowCount = count
        columnsComplete = true
    }
}

extension MLflowShapeDecoder: JSONTokenConsumer {
    typealias Token = JSONReader.Token

    mutating func consume(_ token: Token, text: UnsafeRawBufferPointer, at offset: Int) throws {
        switch state {
        case .skipping:
            switch token {
            case .beginObject, .beginArray: skipDepth += 1
            case .endObject, .endArray:
                skipDepth -= 1
                if skipDepth == 0 { state = skipReturn }
            default: break
            }
        case .document:
            guard token == .beginObject else { throw Self.shapeError("the body is not a JSON object") }
            state = .top
        case .top:
            guard token == .key else {
                guard shape != nil else { throw Self.shapeError("expected dataframe_split, dataframe_records, instances or inputs") }
                state = .finished
                return
            }
            let member = [Member.dataframeSplit, .dataframeRecords, .instances, .inputs].first { text.elementsEqual($0.rawValue.utf8) } ?? .other
            if member != .other {
                if let shape {
                    throw Self.shapeError(
                        "the body has both \(shape.rawValue) and \(member.rawValue); send exactly one of dataframe_split, dataframe_records, "
                            + "instances or inputs"
                    )
                }
                shape = member
            }
            state = .topMember(member)
        case .topMember(let member):
            try begin(member, token)
        case .split:
            guard token == .key else {
                guard columnsKnown && dataSeen else { throw Self.splitNeeds }
                state = .top
                return
            }
            state = .splitMember(text.elementsEqual("columns".utf8) ? .columns : text.elementsEqual("data".utf8) ? .data : .other)
        case .splitMember(.columns):
            guard token == .beginArray else { throw Self.splitNeeds }
            state = .columnNames
        case .splitMember(.data):
            guard token == .beginArray else { throw Self.splitNeeds }
            dataSeen = true
            if !columnsKnown { beginCapture(at: offset) }
            state = .dataRows
        case .splitMember(.other):
            skip(token, returningTo: .split)
        case .columnNames:
            switch token {
            case .string: try nameColumn(text)
            case .endArray:
                try nameColumns()
                state = .split
            default: throw Self.splitNeeds
            }
        case .dataRows:
            switch token {
            case .beginArray:
                try startRow()
                cell = 0
                nextMapped = 0
                state = .dataRow
            case .endArray:
                if !columnsKnown { capturedData = endCapture(at: offset) }
                state = .split
            default: throw Self.splitNeeds
            }
        case .dataRow:
            if token == .endArray {
                try endDataRow()
                state = .dataRows
            } else {
                try dataCell(token)
            }
        case .rows:
            switch token {
            case .beginObject:
                try startRow()
                state = .record
            case .beginArray:
                try startRow()
                cell = 0
                state = .rowArray
            case .endArray: state = .top
            default: throw rowShapeError()
            }
        case .record:
            if token == .endObject {
                try finishRow()
                state = .rows
            } else {
                feature = featureIndex(text)
                state = .recordValue
            }
        case .recordValue:
            if feature >= 0 { pending[rowBase + feature] = Self.cell(token) }
            skip(token, returningTo: .record)
        case .rowArray:
            if token == .endArray {
                guard cell == width else { throw rowShapeError() }
                try finishRow()
                state = .rows
            } else {
                // Refused at the first value too many, before any value is checked, as the old reader checked the
                // length first.
                guard cell < width else { throw rowShapeError() }
                pending[rowBase + cell] = Self.cell(token)
                cell += 1
                skip(token, returningTo: .rowArray)
            }
        case .inputColumns:
            if token == .endObject {
                try endInputColumns()
                state = .top
            } else {
                feature = featureIndex(text)
                state = .inputColumn
            }
        case .inputColumn:
            // A feature whose value is not an array counts as absent, reported in feature order at the end.
            guard feature >= 0, token == .beginArray else {
                skip(token, returningTo: .inputColumns)
                return
            }
            // The values are read when drained, from the column's text; here they are only counted.
            beginCapture(at: offset)
            cell = 0
            state = .inputColumnValues
        case .inputColumnValues:
            if token == .endArray {
                columnTexts[feature] = endCapture(at: offset)
                columnLengths[feature] = cell
                state = .inputColumns
            } else {
                guard cell < maxRows else { throw tooManyRows() }
                cell += 1
                skip(token, returningTo: .inputColumnValues)
            }
        case .finished:
            preconditionFailure("JSONReader hands on nothing after the document")
        }
    }

    /// The value of a top-level member.
    mutating func begin(_ member: Member, _ token: Token) throws {
        switch (member, token) {
        case (.dataframeSplit, .beginObject):
            state = .split
        case (.dataframeSplit, _):
            throw Self.splitNeeds
        case (.dataframeRecords, .beginArray), (.instances, .beginArray), (.inputs, .beginArray):
            state = .rows
        case (.inputs, .beginObject):
            columnTexts = Array(repeating: CapturedText(), count: width)
            columnLengths = Array(repeating: -1, count: width)
            state = .inputColumns
        case (.inputs, _):
            throw Self.shapeError("inputs must be an array of rows or an object of feature columns")
        case (.dataframeRecords, _), (.instances, _):
            throw Self.shapeError("\(member.rawValue) must be an array of rows")
        case (.other, _):
            skip(token, returningTo: .top)
        }
    }

    /// Passes over a value nobody asked for: a container up to its end, a scalar at once.
    mutating func skip(_ token: Token, returningTo next: State) {
        if token == .beginObject || token == .beginArray {
            skipDepth = 1
            skipReturn = next
            state = .skipping
        } else {
            state = next
        }
    }

    // MARK: Rows

    mutating func startRow() throws {
        guard rowCount + capturedRows < maxRows else { throw tooManyRows() }
        // A dataframe_split row read before its columns is kept as text until they come.
        if state == .dataRows && !columnsKnown { return }
        rowBase = pending.count
        pending.append(contentsOf: repeatElement(Double(bitPattern: Self.absentCell), count: width))
    }

    mutating func completeRow() {
        rowCount += 1
        pendingRows += 1
    }

    /// Settles the row's cells in the model's feature order, as the old reader checked them, and completes it.
    mutating func finishRow() throws {
        for feature in 0..<width where !pending[rowBase + feature].isFinite {
            pending[rowBase + feature] = try resolve(pending[rowBase + feature], feature: feature, row: rowCount)
        }
        completeRow()
    }

    /// A cell as it is kept until its row is settled: a number (perhaps infinite), or a NaN marking null or another
    /// kind of value. JSON numbers are never NaN, so the markers cannot be mistaken for data.
    static func cell(_ token: Token) -> Double {
        switch token {
        case .number(let number): number
        // As the JSONSerialization reader before, which saw booleans as numbers.
        case .bool(let value): value ? 1 : 0
        case .null: Double(bitPattern: nullCell)
        default: Double(bitPattern: otherCell)
        }
    }

    static let absentCell = Double.nan.bitPattern
    static let nullCell = Double(nan: 1, signaling: false).bitPattern
    static let otherCell = Double(nan: 2, signaling: false).bitPattern

    /// The value of a cell that is not a finite number: the feature's median for an absent or null cell when the
    /// model imputes, an error otherwise.
    func resolve(_ cell: Double, feature: Int, row: Int) throws -> Double {
        let name = names[feature]
        switch cell.bitPattern {
        case Self.absentCell:
            guard let medians else { throw Self.valueError("row \(row) lacks the feature \(name)") }
            return medians[feature]
        case Self.nullCell:
            guard let medians else { throw Self.valueError("row \(row): \(name) is missing and the model does not impute") }
            return medians[feature]
        case Self.otherCell:
            throw Self.valueError("row \(row): \(name) is not a number")
        default:
            throw Self.valueError("row \(row): \(name) is not finite")
        }
    }

    /// The feature a key names, or -1; tries the one after the previous key first.
    mutating func featureIndex(_ key: UnsafeRawBufferPointer) -> Int {
        let guess = nextFeature < width ? nextFeature : 0
        if key.elementsEqual(nameBytes[guess]) {
            nextFeature = guess + 1
            return guess
        }
        guard let index = nameBytes.firstIndex(where: { key.elementsEqual($0) }) else { return -1 }
        nextFeature = index + 1
        return index
    }

    func rowShapeError() -> JSONInputError {
        Self.shapeError("row \(rowCount) must be an object of features or an array of \(width) values")
    }

    func tooManyRows() -> JSONInputError {
        JSONInputError(code: .tooManyRows, message: "the body has more than \(maxRows) rows")
    }

    static let splitNeeds = shapeError("dataframe_split needs columns (strings) and data (rows)")

    static func tooManyColumns(_ message: String) -> JSONInputError { JSONInputError(code: .tooManyColumns, message: message) }

    static func shapeError(_ message: String) -> JSONInputError { JSONInputError(code: .shape, message: message) }

    static func valueError(_ message: String) -> JSONInputError { JSONInputError(code: .value, message: message) }
}

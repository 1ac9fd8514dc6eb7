extension CSVParser {
    /// Puts one cell where its column's role says, applying the missing-value policy to features.
    func store(
        _ cell: UnsafeBufferPointer<UInt8>,
        role: Int,
        row: UnsafeMutableBufferPointer<Double>,
        id: inout String,
        label: inout Double,
        drop: inout Bool,
        line: Int,
        column: Int
    ) throws {
        if role >= 0 {
            if let value = try number(in: cell, line: line, column: column) {
                row[role] = value
                return
            }
            switch missing {
            case .error:
                throw DatasetError(
                    code: .missingValue,
                    message: "missing value in column \(quoted(columnName(column))); "
                        + "use the skip or impute-median missing-value policy to drop or fill such rows",
                    source: sourceName,
                    line: line,
                    column: column + 1
                )
            case .skip:
                drop = true
            case .imputeMedian:
                row[role] = medians?[role] ?? .nan
            }
        } else if role == ColumnLayout.id {
            id = String(decoding: cell, as: UTF8.self)
        } else if role == ColumnLayout.label {
            label = try labelValue(in: cell, line: line, column: column)
        }
    }

    /// A feature cell's number, or nil when it is missing (empty, NaN, NA, null).
    func number(in cell: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws -> Double? {
        let text = trimmed(cell)
        if text.isEmpty { return nil }
        if let value = FloatParser.parse(text) {
            guard value.isFinite else { throw notFinite(line: line, column: column) }
            return value
        }
        switch lowercasedWord(text) {
        case "nan", "na", "null": return nil
        case "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity": throw notFinite(line: line, column: column)
        default:
            throw DatasetError(
                code: .invalidValue,
                message: "the cell is not a number (column \(quoted(columnName(column))))",
                source: sourceName,
                line: line,
                column: column + 1
            )
        }
    }

    /// A label: a finite number, or true/false (Postgres writes booleans as t/f).
    func labelValue(in cell: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws -> Double {
        let text = trimmed(cell)
        if !text.isEmpty, let value = FloatParser.parse(text) {
            guard value.isFinite else { throw notFinite(line: line, column: column) }
            return value
        }
        switch lowercasedWord(text) {
        case "true", "t": return 1
        case "false", "f": return 0
        case "", "nan", "na", "null":
            throw DatasetError(
                code: .missingValue,
                message: "missing label (column \(quoted(columnName(column)))); every row needs one",
                source: sourceName,
                line: line,
                column: column + 1
            )
        case "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity":
            throw notFinite(line: line, column: column)
        default:
            throw DatasetError(
                code: .invalidValue,
                message: "the cell is not a label (column \(quoted(columnName(column)))); "
                    + "labels are numbers such as 0 and 1, or true and false",
                source: sourceName,
                line: line,
                column: column + 1
            )
        }
    }

    private func notFinite(line: Int, column: Int) -> DatasetError {
        DatasetError(
            code: .invalidValue,
            message: "the cell is not a finite number (column \(quoted(columnName(column))))",
            source: sourceName,
            line: line,
            column: column + 1
        )
    }

    func columnName(_ column: Int) -> String {
        layout?.columns.columnNames[column] ?? "c\(column + 1)"
    }

    /// Splits one whole record (the header) into its fields' text.
    /// - Returns: the fields, and how many line feeds quoted fields held.
    func splitRecord(_ record: UnsafeBufferPointer<UInt8>) throws -> (fields: [String], newlines: Int) {
        guard let base = record.baseAddress else { return ([], 0) }
        let end = base + record.count
        var cursor = base
        var fields: [String] = []
        var newlines = 0
        var text: [UInt8] = []
        while true {
            let ending: FieldEnding
            if cursor < end, cursor.pointee == quoteByte {
                text.removeAll(keepingCapacity: true)
                let read = try readQuoted(cursor, end, isFinal: true, into: &text, newlines: &newlines, column: fields.count)
                let (next, fieldEnding) = read!
                fields.append(String(decoding: text, as: UTF8.self))
                (cursor, ending) = (next, fieldEnding)
            } else {
                let (fieldEnd, next, fieldEnding) = Self.readUnquoted(cursor, end, isFinal: true, delimiter: format.delimiter)!
                fields.append(String(decoding: UnsafeBufferPointer(start: cursor, count: fieldEnd - cursor), as: UTF8.self))
                (cursor, ending) = (next, fieldEnding)
            }
            if ending == .record { return (fields, newlines) }
        }
    }
}

/// The cell without surrounding spaces and tabs, which some writers put after delimiters.
@inline(__always)
func trimmed(_ cell: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    var start = 0
    var end = cell.count
    while start < end, cell[start] == 0x20 || cell[start] == 0x09 { start += 1 }
    while end > start, cell[end - 1] == 0x20 || cell[end - 1] == 0x09 { end -= 1 }
    return UnsafeBufferPointer(rebasing: cell[start..<end])
}

/// A short cell in ASCII lower case, for comparing with the spellings of NaN and infinity; longer cells
/// become "?", which matches none of them.
func lowercasedWord(_ cell: UnsafeBufferPointer<UInt8>) -> String {
    guard cell.count <= 9 else { return "?" }
    return String(decoding: cell.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
}

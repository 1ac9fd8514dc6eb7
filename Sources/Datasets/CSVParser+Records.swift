/// How a field ended.
enum FieldEnding {
    case delimiter
    case record
}

let lineFeed: UInt8 = 0x0A
let carriageReturn: UInt8 = 0x0D
let quoteByte = UInt8(ascii: "\"")

extension CSVParser {
    /// Parses whole records in place, stopping before a record once `maxRows` rows are pending.
    ///
    /// This is the hot loop. An unquoted feature cell is parsed as a number directly and accepted when a
    /// delimiter or line break follows it; everything else (quoted fields, ids, missing or bad values, a
    /// field cut by the end of the buffer) takes the general path.
    /// - Parameter isFinal: no input follows, so the last record may end without a line break.
    /// - Returns: the bytes consumed, and `incomplete` when the buffer ends inside a record, which then
    ///   starts at `consumed`.
    mutating func parseRecords(
        _ base: UnsafePointer<UInt8>,
        count: Int,
        isFinal: Bool,
        maxRows: Int
    ) throws -> (consumed: Int, incomplete: Bool) {
        let roles = layout!.roles
        let columnCount = roles.count
        let delimiter = format.delimiter
        let end = base + count
        var quotedText: [UInt8] = []
        return try withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, layout!.featureCount)) { row in
            var cursor = base
            while cursor < end, builder.rowCount < maxRows {
                let recordStart = cursor
                // A blank line is no row, unless there is a single column: then it is one empty cell, which is
                // how COPY writes a NULL.
                if columnCount > 1, cursor.pointee == lineFeed {
                    line += 1
                    cursor += 1
                    continue
                }
                if columnCount > 1, cursor.pointee == carriageReturn, cursor + 1 == end || cursor[1] == lineFeed {
                    if cursor + 1 < end {
                        line += 1
                        cursor += 2
                        continue
                    }
                    guard isFinal else { return (recordStart - base, true) }
                    cursor += 1
                    continue
                }
                var column = 0
                var newlines = 0
                var drop = false
                var id = ""
                var label = Double.nan
                fields: while true {
                    guard column < columnCount else {
                        guard let extra = try countFields(from: cursor, end: end, isFinal: isFinal, newlines: &newlines, column: column) else {
                            return (recordStart - base, true)
                        }
                        throw raggedRow(found: column + extra, line: line)
                    }
                    let role = roles[column]
                    if role >= 0, let (value, next) = FloatParser.scan(cursor, end), next < end, value.isFinite {
                        let terminator = next.pointee
                        if terminator == delimiter {
                            row[role] = value
                            cursor = next + 1
                            column += 1
                            continue fields
                        }
                        if terminator == lineFeed || (terminator == carriageReturn && next + 1 < end && next[1] == lineFeed) {
                            row[role] = value
                            cursor = next + (terminator == lineFeed ? 1 : 2)
                            break fields
                        }
                    }
                    let fieldLine = line + newlines
                    let ending: FieldEnding
                    if cursor < end, cursor.pointee == quoteByte {
                        quotedText.removeAll(keepingCapacity: true)
                        let read = try readQuoted(cursor, end, isFinal: isFinal, into: &quotedText, newlines: &newlines, column: column)
                        guard let (next, fieldEnding) = read else { return (recordStart - base, true) }
                        try quotedText.withUnsafeBufferPointer { cell in
                            try store(cell, role: role, row: row, id: &id, label: &label, drop: &drop, line: fieldLine, column: column)
                        }
                        cursor = next
                        ending = fieldEnding
                    } else {
                        guard let (fieldEnd, next, fieldEnding) = Self.readUnquoted(cursor, end, isFinal: isFinal, delimiter: delimiter) else {
                            return (recordStart - base, true)
                        }
                        if role != ColumnLayout.ignored {
                            let cell = UnsafeBufferPointer(start: cursor, count: fieldEnd - cursor)
                            try store(cell, role: role, row: row, id: &id, label: &label, drop: &drop, line: fieldLine, column: column)
                        }
                        cursor = next
                        ending = fieldEnding
                    }
                    if ending == .record { break fields }
                    column += 1
                }
                guard column + 1 == columnCount else { throw raggedRow(found: column + 1, line: line) }
                if drop {
                    rowsSkipped += 1
                } else {
                    builder.append(row, id: id, label: label)
                    rowsRead += 1
                }
                line += 1 + newlines
            }
            return (cursor - base, false)
        }
    }

    /// An unquoted field: the end of its text (a CR before the line feed left out), where the next field
    /// starts, and how it ended; nil when the buffer ends first and more input follows.
    @inline(__always)
    static func readUnquoted(
        _ start: UnsafePointer<UInt8>,
        _ end: UnsafePointer<UInt8>,
        isFinal: Bool,
        delimiter: UInt8
    ) -> (fieldEnd: UnsafePointer<UInt8>, next: UnsafePointer<UInt8>, ending: FieldEnding)? {
        var cursor = start
        while cursor < end {
            let byte = cursor.pointee
            if byte == delimiter || byte == lineFeed { break }
            cursor += 1
        }
        if cursor < end, cursor.pointee == delimiter { return (cursor, cursor + 1, .delimiter) }
        guard cursor < end || isFinal else { return nil }
        let next = cursor < end ? cursor + 1 : end
        let fieldEnd = cursor > start && (cursor - 1).pointee == carriageReturn ? cursor - 1 : cursor
        return (fieldEnd, next, .record)
    }

    /// A quoted field (`start` is at its opening quote), unescaped into `text`.
    /// - Returns: where the next field starts and how the field ended; nil when the buffer ends first and
    ///   more input follows.
    func readQuoted(
        _ start: UnsafePointer<UInt8>,
        _ end: UnsafePointer<UInt8>,
        isFinal: Bool,
        into text: inout [UInt8],
        newlines: inout Int,
        column: Int
    ) throws -> (next: UnsafePointer<UInt8>, ending: FieldEnding)? {
        let openingLine = line + newlines
        var cursor = start + 1
        while true {
            let segment = cursor
            while cursor < end, cursor.pointee != quoteByte {
                if cursor.pointee == lineFeed { newlines += 1 }
                cursor += 1
            }
            text.append(contentsOf: UnsafeBufferPointer(start: segment, count: cursor - segment))
            guard cursor < end else {
                guard isFinal else { return nil }
                throw DatasetError(
                    code: .malformed,
                    message: "the quoted field that starts here is never closed",
                    source: sourceName,
                    line: openingLine,
                    column: column + 1
                )
            }
            let after = cursor + 1
            guard after < end else { return isFinal ? (end, .record) : nil }
            let byte = after.pointee
            if byte == quoteByte {
                text.append(quoteByte)
                cursor = after + 1
                continue
            }
            if byte == format.delimiter { return (after + 1, .delimiter) }
            if byte == lineFeed { return (after + 1, .record) }
            if byte == carriageReturn {
                if after + 1 < end, after[1] == lineFeed { return (after + 2, .record) }
                if after + 1 == end { return isFinal ? (end, .record) : nil }
            }
            throw DatasetError(
                code: .malformed,
                message: "unexpected character after the closing quote of a field; "
                    + "a quote inside a quoted field must be doubled",
                source: sourceName,
                line: line + newlines,
                column: column + 1
            )
        }
    }

    /// Counts the fields from `start` to the end of the record, for the error about a row that is too long.
    /// - Returns: nil when the buffer ends first and more input follows.
    private func countFields(
        from start: UnsafePointer<UInt8>,
        end: UnsafePointer<UInt8>,
        isFinal: Bool,
        newlines: inout Int,
        column: Int
    ) throws -> Int? {
        var cursor = start
        var fields = 0
        var scratch: [UInt8] = []
        while true {
            fields += 1
            let ending: FieldEnding
            if cursor < end, cursor.pointee == quoteByte {
                scratch.removeAll(keepingCapacity: true)
                let read = try readQuoted(cursor, end, isFinal: isFinal, into: &scratch, newlines: &newlines, column: column + fields - 1)
                guard let (next, fieldEnding) = read else { return nil }
                (cursor, ending) = (next, fieldEnding)
            } else {
                guard let (_, next, fieldEnding) = Self.readUnquoted(cursor, end, isFinal: isFinal, delimiter: format.delimiter) else { return nil }
                (cursor, ending) = (next, fieldEnding)
            }
            if ending == .record { return fields }
        }
    }

    func raggedRow(found: Int, line: Int) -> DatasetError {
        let columnCount = layout!.columnCount
        let reference = format.hasHeader ? "the header has" : "the first row has"
        return DatasetError(
            code: .malformed,
            message: "this row has \(found) fields but \(reference) \(columnCount)",
            source: sourceName,
            line: line
        )
    }
}

/// A push parser for CSV (RFC 4180) that turns bytes into ``RowChunk``s of the selected columns.
///
/// Feed it buffers of any size, split anywhere (inside a field, a quoted field or a line break); it keeps
/// only the unfinished last record between calls. It reads quoted fields with doubled quotes, delimiters and
/// line breaks inside them, CRLF or LF line ends, a last line without a line break, and a leading UTF-8 BOM.
/// Blank lines are skipped, except in input with a single column, where an empty line is a row with an
/// empty cell (as COPY writes a NULL). Numbers are parsed straight from the bytes; only ids become Strings.
///
/// The first record is the header (duplicate or empty names are refused), or, with
/// ``CSVFormat/hasHeader`` false, the first row of data and the columns are named `c1…cN`.
///
/// Feature cells that are empty, `NaN`, `nan`, `NA` or `null` (any case) are missing and handled by the
/// ``MissingValuePolicy``; `inf` and `Infinity` are refused as not finite; anything else that is not a number
/// is an error naming the line and column. Labels are numbers, or `true`/`false` (`t`/`f`); a label cannot be
/// missing.
///
/// Errors never quote the input: an input may be anything its reader can open (a dump, a secret), and errors end up
/// in run records and API answers. They name the file, the line and the column (by position and by name) instead.
///
/// ```swift
/// var parser = try CSVParser(selection: .init(id: "id"), sourceName: "inline")
/// let text = Array("id,x,y\na,1.5,2\nb,3,4\n".utf8)
/// _ = try text.withUnsafeBytes { try parser.parse($0, maxRows: 100) }
/// _ = try parser.finish(maxRows: 100)
/// let chunk = parser.takeChunk()   // 2 rows: features [1.5, 2, 3, 4], ids ["a", "b"]
/// ```
package struct CSVParser {
    package let format: CSVFormat
    package let selection: ColumnSelection
    package let missing: MissingValuePolicy
    /// Per-feature values that replace missing cells under `.imputeMedian`; nil leaves them NaN.
    package let medians: [Double]?
    /// How errors name the input: a file path, or `query`.
    package let sourceName: String

    var layout: ColumnLayout?
    var builder = ChunkBuilder(featureCount: 0, hasIDs: false, hasLabels: false)
    /// The unfinished record that straddles buffers (or the header while it is being read).
    var carry: [UInt8] = []
    /// Whether `carry` holds a whole record (its line break included), ready to parse.
    var carryComplete = false
    var scanState = RecordScanner.State.streamStart
    /// The physical line on which the next record starts.
    var line = 1
    var finished = false

    /// Rows accepted so far, including those waiting in the current chunk.
    package internal(set) var rowsRead = 0
    /// Rows dropped because a feature was missing under ``MissingValuePolicy/skip``.
    package internal(set) var rowsSkipped = 0

    /// - Parameters:
    ///   - medians: one value per selected feature, used for missing cells under `.imputeMedian`.
    ///   - sourceName: the file path, or `query`, as errors should name it.
    /// - Throws: ``DatasetError`` when the delimiter cannot work (a quote, a line break, a character numbers
    ///   use, or a non-ASCII byte).
    package init(
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        medians: [Double]? = nil,
        sourceName: String
    ) throws {
        let delimiter = format.delimiter
        let numeric = Array("0123456789.+-eE".utf8)
        if delimiter >= 0x80 || delimiter == UInt8(ascii: "\"") || delimiter == 0x0A || delimiter == 0x0D || numeric.contains(delimiter) {
            throw DatasetError(
                code: .malformed,
                message: "byte \(delimiter) cannot be the delimiter; use an ASCII character that is not a quote, a line break or part of a number",
                source: sourceName
            )
        }
        self.format = format
        self.selection = selection
        self.missing = missing
        self.medians = medians
        self.sourceName = sourceName
    }

    /// The input's columns and the selected ones; nil until the header (or first row) has been read.
    package var columns: SourceColumns? { layout?.columns }

    /// Rows parsed and not yet taken with ``takeChunk()``.
    package var pendingRowCount: Int { builder.rowCount }

    /// Parses the next bytes of the input.
    ///
    /// Parsing stops before a row once ``pendingRowCount`` reaches `maxRows`, so a chunk never grows past
    /// it: take the chunk and call again with the bytes not consumed. Bytes of an unfinished last record are
    /// kept inside the parser and count as consumed. `maxRows` 0 reads just the header.
    /// - Returns: how many bytes of `bytes` were consumed.
    package mutating func parse(_ bytes: UnsafeRawBufferPointer, maxRows: Int) throws -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else { return 0 }
        precondition(!finished, "CSVParser.parse after finish")
        let count = bytes.count
        var offset = 0
        while layout == nil {
            guard offset < count, let used = absorb(base + offset, count - offset) else { return count }
            offset += used
            try readFirstRecord(isFinal: false)
        }
        if !carry.isEmpty {
            if !carryComplete {
                guard offset < count, let used = absorb(base + offset, count - offset) else { return count }
                offset += used
                carryComplete = true
            }
            guard builder.rowCount < maxRows else { return offset }
            try parseCarry(isFinal: false, maxRows: maxRows)
        }
        let (consumed, incomplete) = try parseRecords(base + offset, count: count - offset, isFinal: false, maxRows: maxRows)
        offset += consumed
        if incomplete {
            carry = Array(UnsafeBufferPointer(start: base + offset, count: count - offset))
            scanState = .fieldStart
            let end = carry.withUnsafeBufferPointer { RecordScanner.findRecordEnd($0, state: &scanState, delimiter: format.delimiter) }
            // The parser and the scanner agree on where records end, so an unfinished record has no end yet.
            guard end == nil else { throw inconsistency() }
            offset = count
        }
        return offset
    }

    /// Ends the input: parses a last record that had no line break.
    ///
    /// - Returns: false when ``pendingRowCount`` had reached `maxRows` and the last record is still to be
    ///   parsed: take the chunk and call again.
    /// - Throws: ``DatasetError`` `.emptyInput` when there was no header (or no row at all without one),
    ///   `.malformed` when a quoted field is never closed.
    package mutating func finish(maxRows: Int) throws -> Bool {
        if finished { return true }
        if layout == nil {
            if !carry.isEmpty { try readFirstRecord(isFinal: true) }
            guard layout != nil else {
                let expected = format.hasHeader ? "; expected a header row" : ""
                throw DatasetError(code: .emptyInput, message: "the input is empty\(expected)", source: sourceName)
            }
        }
        if !carry.isEmpty {
            guard builder.rowCount < maxRows else { return false }
            try parseCarry(isFinal: true, maxRows: maxRows)
        }
        finished = true
        return true
    }

    /// Hands over the rows parsed since the last call (possibly none).
    package mutating func takeChunk() -> RowChunk {
        builder.take()
    }

    // MARK: Carry and header

    /// Appends bytes to `carry` up to the end of the current record.
    /// - Returns: how many bytes were used when the record ended within them; nil when all were taken and
    ///   the record goes on.
    private mutating func absorb(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        let bytes = UnsafeBufferPointer(start: start, count: count)
        let end = RecordScanner.findRecordEnd(bytes, state: &scanState, delimiter: format.delimiter)
        carry.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<(end ?? count)]))
        return end
    }

    /// Parses the record held in `carry` as one row.
    private mutating func parseCarry(isFinal: Bool, maxRows: Int) throws {
        let record = carry
        carry = []
        carryComplete = false
        let (consumed, incomplete) = try record.withUnsafeBufferPointer {
            try parseRecords($0.baseAddress!, count: $0.count, isFinal: isFinal, maxRows: maxRows)
        }
        guard consumed == record.count, !incomplete else { throw inconsistency() }
    }

    /// The record scanner and the parser disagreed about where a record ends: a bug, reported rather than
    /// letting rows go missing.
    private func inconsistency() -> DatasetError {
        DatasetError(
            code: .malformed,
            message: "internal error: the CSV parser lost track of record boundaries near here; please report this with the input",
            source: sourceName,
            line: line
        )
    }

    /// Handles the first record (in `carry`): the header, or the first row that tells how many columns there are.
    private mutating func readFirstRecord(isFinal: Bool) throws {
        // A byte order mark can only open the input, before any (blank) line.
        if line == 1, carry.starts(with: [0xEF, 0xBB, 0xBF]) { carry.removeFirst(3) }
        if carry.allSatisfy({ $0 == 0x0A || $0 == 0x0D }) {
            line += carry.contains(0x0A) ? 1 : 0
            carry = []
            return
        }
        let (fields, newlines) = try carry.withUnsafeBufferPointer { try splitRecord($0) }
        let header = format.hasHeader ? fields : (1...fields.count).map { "c\($0)" }
        let layout = try ColumnLayout.resolve(header: header, selection: selection, source: sourceName, line: line)
        if let medians, medians.count != layout.featureCount {
            throw DatasetError(
                code: .columnSelection,
                message: "\(medians.count) medians were given for \(layout.featureCount) feature columns",
                source: sourceName
            )
        }
        self.layout = layout
        builder = ChunkBuilder(featureCount: layout.featureCount, hasIDs: selection.id != nil, hasLabels: selection.label != nil)
        if format.hasHeader {
            line += 1 + newlines
            carry = []
            carryComplete = false
        } else {
            carryComplete = true
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a CSV file chunk by chunk: plain, or gzip-compressed (recognised by its first bytes, whatever the
/// file is called, and inflated on a thread of its own). A ``ByteSource`` (a download) is read the same way as its
/// bytes arrive.
///
/// The header is read when the source is created, so ``columns`` is known before the first chunk. Memory
/// stays bounded: one input buffer of about 1 MiB, the unfinished record that straddles two buffers, and
/// the chunk being filled.
///
/// Invariant: one user at a time; the class owns the file descriptor (through its input) and closes it in `deinit`. Blocking:
/// create and read it on a thread that may block (the blocking thread pool, or a command-line tool's own).
///
/// ```swift
/// let source = try CSVFileSource(path: "payments.csv.gz", selection: .init(id: "payment_id"))
/// while let chunk = try source.nextChunk(maxRows: 65_536) {
///     scores += detector.score(chunk.features, rowCount: chunk.rowCount)
/// }
/// print(source.rowsRead, source.rowsSkipped)
/// ```
package final class CSVFileSource: @unchecked Sendable {
    /// The file being read, or the name a ``ByteSource`` was given.
    package let path: String
    /// The file's columns and the selected ones.
    package let columns: SourceColumns
    private var parser: CSVParser
    private let input: ByteInput
    private var block = UnsafeRawBufferPointer(start: nil, count: 0)
    private var offset = 0
    private var inputEnded = false
    private var done = false

    /// Opens the file and reads its header. Blocking.
    ///
    /// - Parameters:
    ///   - medians: per selected feature, the values that replace missing cells under `.imputeMedian`
    ///     (from the model, when scoring); nil leaves missing cells NaN.
    ///   - maxBytes: the most bytes of CSV to read, counted after decompression (a plain file larger than that is
    ///     refused before it is parsed); nil for no limit.
    /// - Throws: ``DatasetError``: `.io` when the file cannot be opened or read or its gzip data is damaged,
    ///   `.emptyInput` when it has no header, `.malformed` or `.columnSelection` when the header does not fit,
    ///   `.tooLarge` beyond `maxBytes` (also later, from ``nextChunk(maxRows:)``).
    package convenience init(
        path: String,
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        medians: [Double]? = nil,
        maxBytes: Int64? = nil
    ) throws {
        let parser = try CSVParser(format: format, selection: selection, missing: missing, medians: medians, sourceName: path)
        try self.init(parser: parser, input: try ByteInput(path: path, maxBytes: maxBytes), name: path)
    }

    /// Reads an open file (one opened beneath a folder by descriptor, so that its path cannot be swapped before it is
    /// read), plain or gzip-compressed. Blocking.
    ///
    /// ```swift
    /// let descriptor = try scoring.openFile(beneath: "today.csv.gz")
    /// defer { close(descriptor) }
    /// let source = try CSVFileSource(descriptor: descriptor, name: "/var/lib/nomaly/scoring/today.csv.gz")
    /// ```
    /// - Parameters:
    ///   - descriptor: duplicated; the caller keeps and closes its own.
    ///   - name: how errors name the input.
    /// - Throws: as ``init(path:format:selection:missing:medians:maxBytes:)``.
    package convenience init(
        descriptor: Int32,
        name: String,
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        medians: [Double]? = nil,
        maxBytes: Int64? = nil
    ) throws {
        let parser = try CSVParser(format: format, selection: selection, missing: missing, medians: medians, sourceName: name)
        let own = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard own >= 0 else {
            throw DatasetError(code: .io, message: "cannot use the open file: \(String(cString: strerror(errno)))", source: name)
        }
        try self.init(parser: parser, input: try ByteInput(descriptor: own, name: name, maxBytes: maxBytes), name: name)
    }

    /// Reads CSV from bytes as they arrive (an object being downloaded), plain or gzip-compressed, without copying them
    /// anywhere first. Blocking.
    ///
    /// ```swift
    /// let source = try CSVFileSource(source: download, name: "s3://inbox/today.csv.gz", selection: .init(id: "id"))
    /// ```
    /// - Parameter name: how errors name the input (`s3://bucket/key.csv`).
    /// - Throws: as ``init(path:format:selection:missing:medians:maxBytes:)``, and the source's own errors unchanged.
    package convenience init(
        source: any ByteSource,
        name: String,
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        medians: [Double]? = nil,
        maxBytes: Int64? = nil
    ) throws {
        let parser = try CSVParser(format: format, selection: selection, missing: missing, medians: medians, sourceName: name)
        try self.init(parser: parser, input: try ByteInput(source: source, name: name, maxBytes: maxBytes), name: name)
    }

    private init(parser: CSVParser, input: ByteInput, name: String) throws {
        self.path = name
        var parser = parser
        self.input = input
        var block = UnsafeRawBufferPointer(start: nil, count: 0)
        var offset = 0
        var inputEnded = false
        while parser.columns == nil {
            if offset < block.count {
                offset += try parser.parse(UnsafeRawBufferPointer(rebasing: block[offset...]), maxRows: 0)
            } else if !inputEnded {
                block = try input.next()
                offset = 0
                inputEnded = block.isEmpty
            } else {
                _ = try parser.finish(maxRows: 0)
            }
        }
        columns = parser.columns!
        self.parser = parser
        self.block = block
        self.offset = offset
        self.inputEnded = inputEnded
    }

    /// The selected feature columns, in the order of each row's values.
    package var featureNames: [String] { columns.featureNames }
    /// The id column, when the selection names one.
    package var idColumn: String? { columns.idColumn }
    /// The label column, when the selection names one.
    package var labelColumn: String? { columns.labelColumn }
    /// Rows delivered so far.
    package var rowsRead: Int { parser.rowsRead - parser.pendingRowCount }
    /// Rows dropped so far because a feature was missing under ``MissingValuePolicy/skip``.
    package var rowsSkipped: Int { parser.rowsSkipped }

    /// The next rows, at most `maxRows` of them; nil once the file is exhausted. Blocking.
    ///
    /// A chunk has fewer than `maxRows` rows only at the end of the file.
    /// - Throws: ``DatasetError`` naming the file, line and column of the first problem.
    package func nextChunk(maxRows: Int) throws -> RowChunk? {
        precondition(maxRows > 0, "maxRows must be positive")
        if done { return nil }
        while true {
            if offset < block.count {
                offset += try parser.parse(UnsafeRawBufferPointer(rebasing: block[offset...]), maxRows: maxRows)
                if parser.pendingRowCount >= maxRows { return parser.takeChunk() }
            } else if !inputEnded {
                block = try input.next()
                offset = 0
                inputEnded = block.isEmpty
            } else {
                done = try parser.finish(maxRows: maxRows)
                if parser.pendingRowCount > 0 { return parser.takeChunk() }
                if done { return nil }
            }
        }
    }
}

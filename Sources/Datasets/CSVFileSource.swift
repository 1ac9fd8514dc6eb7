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
public final class CSVFileSource: @unchecked Sendable {
    /// The file being read, or the name a ``ByteSource`` was given.
    public let path: String
    /// The file's columns and the selected ones.
    public let columns: SourceColumns
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
    /// - Throws: ``DatasetError``: `.io` when the file cannot be opened or read or its gzip data is damaged,
    ///   `.emptyInput` when it has no header, `.malformed` or `.columnSelection` when the header does not fit.
    public convenience init(
        path: String,
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        medians: [Double]? = nil
    ) throws {
        let parser = try CSVParser(format: format, selection: selection, missing: missing, medians: medians, sourceName: path)
        try self.init(parser: parser, input: try ByteInput(path: path), name: path)
    }

    /// Reads CSV from bytes as they arrive (an object being downloaded), plain or gzip-compressed, without copying them
    /// anywhere first. Blocking.
    ///
    /// ```swift
    /// let source = try CSVFileSource(source: download, name: "s3://inbox/today.csv.gz", selection: .init(id: "id"))
    /// ```
    /// - Parameter name: how errors name the input (`s3://bucket/key.csv`).
    /// - Throws: as ``init(path:format:selection:missing:medians:)``, and the source's own errors unchanged.
    public convenience init(
        source: any ByteSource,
        name: String,
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        medians: [Double]? = nil
    ) throws {
        let parser = try CSVParser(format: format, selection: selection, missing: missing, medians: medians, sourceName: name)
        try self.init(parser: parser, input: try ByteInput(source: source, name: name), name: name)
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
    public var featureNames: [String] { columns.featureNames }
    /// The id column, when the selection names one.
    public var idColumn: String? { columns.idColumn }
    /// The label column, when the selection names one.
    public var labelColumn: String? { columns.labelColumn }
    /// Rows delivered so far.
    public var rowsRead: Int { parser.rowsRead - parser.pendingRowCount }
    /// Rows dropped so far because a feature was missing under ``MissingValuePolicy/skip``.
    public var rowsSkipped: Int { parser.rowsSkipped }

    /// The next rows, at most `maxRows` of them; nil once the file is exhausted. Blocking.
    ///
    /// A chunk has fewer than `maxRows` rows only at the end of the file.
    /// - Throws: ``DatasetError`` naming the file, line and column of the first problem.
    public func nextChunk(maxRows: Int) throws -> RowChunk? {
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

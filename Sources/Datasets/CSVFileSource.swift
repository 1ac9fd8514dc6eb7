import Archive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a CSV file chunk by chunk: plain, or gzip-compressed (recognised by its first bytes, whatever the
/// file is called, and inflated on a thread of its own).
///
/// The header is read when the source is created, so ``columns`` is known before the first chunk. Memory
/// stays bounded: one input buffer of about 1 MiB, the unfinished record that straddles two buffers, and
/// the chunk being filled.
///
/// Invariant: one user at a time; the class owns the file descriptor and closes it in `deinit`. Blocking:
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
    /// The file being read.
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
    public init(
        path: String,
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        medians: [Double]? = nil
    ) throws {
        self.path = path
        var parser = try CSVParser(format: format, selection: selection, missing: missing, medians: medians, sourceName: path)
        input = try ByteInput(path: path)
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

/// The bytes of a file, plain or inflated, one block at a time.
///
/// Invariant: one user at a time; owns the descriptor (plain files) or the gzip reader.
private final class ByteInput {
    private let path: String
    private var descriptor: Int32 = -1
    private var buffer: UnsafeMutableRawBufferPointer
    /// Bytes already read into `buffer` while looking for the gzip magic number, not yet handed out.
    private var pending = 0
    private var gzip: GzipFileReader?
    private static let blockSize = 1 << 20

    init(path: String) throws {
        self.path = path
        buffer = .allocate(byteCount: Self.blockSize, alignment: 16)
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw systemError("cannot open") }
        // A pipe may deliver a single byte first; the magic number needs two.
        while pending < 2 {
            let count = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[pending...]))
            if count == 0 { break }
            pending += count
        }
        guard GzipFileReader.hasGzipMagic(buffer[0..<pending]) else { return }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw DatasetError(code: .io, message: "gzip-compressed input must be a regular file, not a pipe", source: path)
        }
        close(descriptor)
        descriptor = -1
        pending = 0
        do {
            gzip = try GzipFileReader(path: path)
        } catch {
            throw gzipError(error)
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        buffer.deallocate()
    }

    /// The next block; empty at the end. Valid until the next call.
    func next() throws -> UnsafeRawBufferPointer {
        if let gzip {
            do {
                return try gzip.next()
            } catch {
                throw gzipError(error)
            }
        }
        if pending > 0 {
            // Fill the rest of the first block so the parser starts with a full one.
            let count = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[pending...]))
            defer { pending = 0 }
            return UnsafeRawBufferPointer(rebasing: buffer[0..<(pending + count)])
        }
        let count = try readSome(into: buffer)
        return UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    private func readSome(into target: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !target.isEmpty else { return 0 }
        while true {
            let count = read(descriptor, target.baseAddress, target.count)
            if count >= 0 { return count }
            if errno != EINTR { throw systemError("cannot read") }
        }
    }

    private func systemError(_ action: String) -> DatasetError {
        DatasetError(code: .io, message: "\(action) the file: \(String(cString: strerror(errno)))", source: path)
    }

    /// The gzip reader's message names the file, which the error's location already does.
    private func gzipError(_ error: any Error) -> DatasetError {
        let message = (error as? ArchiveError)?.message ?? "\(error)"
        let detail = message.hasPrefix(path + " ") ? "the gzip data " + message.dropFirst(path.count + 1) : message
        return DatasetError(code: .io, message: detail, source: path)
    }
}

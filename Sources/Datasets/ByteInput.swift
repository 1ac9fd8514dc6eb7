import Archive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of an input, plain or inflated, one block at a time: an open file, or a ``ByteSource``.
///
/// Gzip is recognised by its first two bytes. A regular file is inflated by ``GzipFileReader`` from its own descriptor
/// (reopened through `/dev/fd/N`, the very file, never its path again: the path may lead elsewhere by now); anything
/// else (a pipe, a download) through a ``GzipPipe``, since those bytes cannot be read twice.
///
/// With a limit, at most that many bytes are handed out, counted after inflating: a small gzip file cannot turn into
/// an unbounded stream of rows.
///
/// Invariant: one user at a time; owns the descriptor (plain files), the gzip reader and the pipe.
final class ByteInput {
    private enum Origin {
        case descriptor(Int32)
        case source(any ByteSource)
        /// Handed over to the gzip reader.
        case none
    }

    private let name: String
    private var origin: Origin
    private var buffer: UnsafeMutableRawBufferPointer
    /// Bytes already read into `buffer` while looking for the gzip magic number, not yet handed out.
    private var pending = 0
    private var gzip: GzipFileReader?
    private var pipe: GzipPipe?
    private let maxBytes: Int64?
    private var delivered: Int64 = 0
    private static let blockSize = 1 << 20

    /// Opens the file at `path`. Blocking.
    convenience init(path: String, maxBytes: Int64? = nil) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw DatasetError(code: .io, message: "cannot open the file: \(String(cString: strerror(errno)))", source: path)
        }
        try self.init(origin: .descriptor(descriptor), name: path, maxBytes: maxBytes)
    }

    /// Reads an open file, which this input now owns (and closes), naming it `name` in errors. Blocking.
    convenience init(descriptor: Int32, name: String, maxBytes: Int64? = nil) throws {
        try self.init(origin: .descriptor(descriptor), name: name, maxBytes: maxBytes)
    }

    /// Reads `source`, naming it `name` in errors. Blocking.
    convenience init(source: any ByteSource, name: String, maxBytes: Int64? = nil) throws {
        try self.init(origin: .source(source), name: name, maxBytes: maxBytes)
    }

    /// - Parameter maxBytes: the most bytes ``next()`` hands out in all, after inflating; nil for no limit.
    private init(origin: Origin, name: String, maxBytes: Int64?) throws {
        self.name = name
        self.origin = origin
        self.maxBytes = maxBytes
        buffer = .allocate(byteCount: Self.blockSize, alignment: 16)

        // A pipe may deliver a single byte first; the magic number needs two.
        while pending < 2 {
            let count = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[pending...]))
            if count == 0 { break }
            pending += count
        }
        let isGzip = GzipFileReader.hasGzipMagic(buffer[0..<pending])
        if !isGzip, let maxBytes, case .descriptor(let descriptor) = origin, let size = Self.regularFileSize(descriptor), size > maxBytes {
            // A plain file's size is known: refuse it before parsing (gzip is counted as it inflates).
            throw tooLarge()
        }
        guard isGzip else { return }
        if case .descriptor(let descriptor) = origin, Self.regularFileSize(descriptor) != nil {
            // The reader opens its own descriptor on the same file, which stays ours until then.
            defer { close(descriptor) }
            self.origin = .none
            pending = 0
            do {
                gzip = try GzipFileReader(path: "/dev/fd/\(descriptor)")
            } catch {
                throw gzipError(error)
            }
            return
        }
        try startPipe()
    }

    deinit {
        pipe?.stop()
        gzip = nil
        if case .descriptor(let descriptor) = origin { close(descriptor) }
        buffer.deallocate()
    }

    /// The next block; empty at the end. Valid until the next call.
    /// - Throws: ``DatasetError`` `.tooLarge` once more than the limit was read; `.io`; the source's own errors.
    func next() throws -> UnsafeRawBufferPointer {
        let block = try nextBlock()
        delivered += Int64(block.count)
        if let maxBytes, delivered > maxBytes { throw tooLarge() }
        return block
    }

    private func tooLarge() -> DatasetError {
        DatasetError(
            code: .tooLarge,
            message: "the input holds more than \(maxBytes ?? 0) bytes of CSV (counted after decompression)",
            source: name
        )
    }

    private func nextBlock() throws -> UnsafeRawBufferPointer {
        if let gzip {
            let block: UnsafeRawBufferPointer
            do {
                block = try gzip.next()
            } catch {
                // A source that failed (a download cut off, too large) leaves truncated gzip data: its error says why.
                if let failure = pipe?.failure { throw failure }
                throw gzipError(error)
            }
            // The source may also have failed exactly between two gzip members.
            if block.isEmpty, let failure = pipe?.failure { throw failure }
            return block
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

    /// Hands the origin to a pump thread that feeds the gzip reader through a pipe, first bytes included.
    private func startPipe() throws {
        let first = Array(buffer[0..<pending])
        pending = 0
        let read: @Sendable (UnsafeMutableRawBufferPointer) throws -> Int
        let finished: @Sendable () -> Void
        switch origin {
        case .descriptor(let descriptor):
            let name = name
            read = { try Self.readDescriptor(descriptor, into: $0, name: name) }
            finished = { close(descriptor) }
        case .source(let source):
            read = { try source.read(into: $0) }
            finished = {}
        case .none:
            return
        }
        origin = .none
        let pipe: GzipPipe
        do {
            pipe = try GzipPipe(first: first, read: read, finished: finished)
        } catch {
            throw DatasetError(code: .io, message: "\(error)", source: name)
        }
        self.pipe = pipe
        do {
            gzip = try GzipFileReader(path: pipe.readPath)
        } catch {
            throw gzipError(error)
        }
        pipe.readerOpened()
    }

    private func readSome(into target: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !target.isEmpty else { return 0 }
        switch origin {
        case .descriptor(let descriptor): return try Self.readDescriptor(descriptor, into: target, name: name)
        case .source(let source): return try source.read(into: target)
        case .none: return 0
        }
    }

    private static func readDescriptor(_ descriptor: Int32, into target: UnsafeMutableRawBufferPointer, name: String) throws -> Int {
        while true {
            let count = read(descriptor, target.baseAddress, target.count)
            if count >= 0 { return count }
            if errno != EINTR { throw DatasetError(code: .io, message: "cannot read the file: \(String(cString: strerror(errno)))", source: name) }
        }
    }

    /// The size of a regular file; nil for anything else (a pipe, a FIFO).
    private static func regularFileSize(_ descriptor: Int32) -> Int64? {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(status.st_size)
    }

    /// The gzip reader's message names the file (or the pipe), which the error's location already does.
    private func gzipError(_ error: any Error) -> DatasetError {
        var message = (error as? ArchiveError)?.message ?? "\(error)"
        let reopened = message.hasPrefix("/dev/fd/") ? String(message.prefix { $0 != " " }) : nil
        for path in [name, pipe?.readPath, reopened].compactMap({ $0 }) where message.hasPrefix(path + " ") {
            message = "the gzip data " + message.dropFirst(path.count + 1)
        }
        return DatasetError(code: .io, message: message, source: name)
    }
}

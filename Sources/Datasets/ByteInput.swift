import Archive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of an input, plain or inflated, one block at a time: a file a path names, or a ``ByteSource``.
///
/// Gzip is recognised by its first two bytes. A regular file is inflated by ``GzipFileReader`` straight from its path;
/// anything else (a pipe, a download) through a ``GzipPipe``, since those bytes cannot be read twice.
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
    private static let blockSize = 1 << 20

    /// Opens the file at `path`. Blocking.
    convenience init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw DatasetError(code: .io, message: "cannot open the file: \(String(cString: strerror(errno)))", source: path)
        }
        try self.init(origin: .descriptor(descriptor), name: path)
    }

    /// Reads `source`, naming it `name` in errors. Blocking.
    convenience init(source: any ByteSource, name: String) throws {
        try self.init(origin: .source(source), name: name)
    }

    private init(origin: Origin, name: String) throws {
        self.name = name
        self.origin = origin
        buffer = .allocate(byteCount: Self.blockSize, alignment: 16)
        // A pipe may deliver a single byte first; the magic number needs two.
        while pending < 2 {
            let count = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[pending...]))
            if count == 0 { break }
            pending += count
        }
        guard GzipFileReader.hasGzipMagic(buffer[0..<pending]) else { return }
        if case .descriptor(let descriptor) = origin, Self.isRegularFile(descriptor) {
            close(descriptor)
            self.origin = .none
            pending = 0
            do {
                gzip = try GzipFileReader(path: name)
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
    func next() throws -> UnsafeRawBufferPointer {
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

    private static func isRegularFile(_ descriptor: Int32) -> Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    /// The gzip reader's message names the file (or the pipe), which the error's location already does.
    private func gzipError(_ error: any Error) -> DatasetError {
        var message = (error as? ArchiveError)?.message ?? "\(error)"
        for path in [name, pipe?.readPath].compactMap({ $0 }) where message.hasPrefix(path + " ") {
            message = "the gzip data " + message.dropFirst(path.count + 1)
        }
        return DatasetError(code: .io, message: message, source: name)
    }
}

import Crypto
import Foundation

/// A file a user named as an output (`nomaly score --output`, `archive create`, `models download`, `s3 cp`, a score
/// job's output), written as ``OutputTarget`` decides: through an ``AtomicFile`` renamed into place when there is
/// nothing or a regular file at the path, in place for a device, a FIFO, a socket or `/dev/stdout`, refused for a
/// folder.
///
/// Written in place, bytes reach the reader as they are written: ``discard()`` cannot take them back, and
/// `commit(replacing: false)` writes anyway (nothing there could be replaced). Opening a FIFO waits for a reader, as
/// a shell's `>` does.
///
/// ```swift
/// let output = try OutputFile(path: "/dev/null")     // in place
/// try output.write(bytes)
/// try output.commit(replacing: false)
/// ```
///
/// Invariant: one user at a time; every method is blocking.
package final class OutputFile {
    private enum Storage {
        case atomic(AtomicFile)
        /// A descriptor of its own (-1 once closed).
        case inPlace(Int32)
    }

    /// The path as it was named, for messages.
    package let destination: String
    private var storage: Storage
    private var hasher: SHA256?
    private var inPlaceBytes: Int64 = 0

    /// Opens `path` as ``OutputTarget`` decides, creating a missing file's folder (following the path as given).
    /// - Parameter hashing: compute the sha256 of what ``write(_:)`` receives.
    /// - Throws: ``FileSystemError``: `EISDIR` for a folder, a dangling symbolic link, or what the system said.
    package init(path: String, hashing: Bool = true) throws(FileSystemError) {
        destination = path
        hasher = hashing ? SHA256() : nil
        switch try OutputTarget.inspect(path) {
        case .absent: storage = .atomic(try AtomicFile(destination: path, hashing: hashing))
        case .regularFile(let target): storage = .atomic(try AtomicFile(destination: target, hashing: hashing))
        case .folder: throw OutputTarget.folderRefused(path)
        case .inPlace:
            if let descriptor = OutputTarget.ownDescriptor(path) {
                storage = .inPlace(try Self.duplicate(descriptor, path: path))
            } else if let opened = try Self.openInPlace(path, opening: { open(path, $0) }) {
                storage = .inPlace(opened)
            } else {
                // Replaced by a regular file since it was inspected: written as one.
                storage = .atomic(try AtomicFile(destination: path, hashing: hashing))
            }
        }
    }

    /// Opens `name` in an open folder, for an output that must land exactly there however the folder's path changes
    /// (a scoring run's output, checked with its symbolic links resolved): a device, FIFO or socket there is written
    /// in place; a folder is refused, and so is a symbolic link, which is neither followed (it may lead anywhere) nor
    /// replaced (`/dev/stdout` is one).
    /// - Parameter name: a single file name, no `/`.
    package init(in folder: DirectoryHandle, name: String, hashing: Bool = true) throws(FileSystemError) {
        destination = folder.pathOf(name)
        hasher = hashing ? SHA256() : nil
        var status = stat()
        let exists = fstatat(folder.descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0
        guard exists || errno == ENOENT else { throw FileSystemError("cannot write \(folder.pathOf(name))") }
        switch exists ? status.st_mode & S_IFMT : S_IFREG {
        case S_IFREG: storage = .atomic(try AtomicFile(in: folder, name: name, hashing: hashing))
        case S_IFDIR: throw OutputTarget.folderRefused(folder.pathOf(name))
        case S_IFLNK:
            throw FileSystemError(
                "cannot write \(folder.pathOf(name))",
                code: ELOOP,
                reason: "it is a symbolic link, which is neither followed nor replaced here"
            )
        default:
            let path = folder.pathOf(name)
            if let opened = try Self.openInPlace(
                path,
                opening: { openat(folder.descriptor, name, $0 | O_NOFOLLOW) },
                socketPath: "/proc/self/fd/\(folder.descriptor)/\(name)"
            ) {
                storage = .inPlace(opened)
            } else {
                storage = .atomic(try AtomicFile(in: folder, name: name, hashing: hashing))
            }
        }
    }

    deinit { discard() }

    /// Whether the output is written in place (a device, a FIFO, a socket, a descriptor of this process).
    package var writesInPlace: Bool {
        if case .inPlace = storage { return true }
        return false
    }

    /// The open descriptor, for callers that write through their own code; -1 after commit or discard.
    package var descriptor: Int32 {
        switch storage {
        case .atomic(let file): file.descriptor
        case .inPlace(let descriptor): descriptor
        }
    }

    package var bytesWritten: Int64 {
        switch storage {
        case .atomic(let file): file.bytesWritten
        case .inPlace: inPlaceBytes
        }
    }

    /// The hex sha256 of everything written so far, when hashing.
    package var sha256Hex: String? {
        switch storage {
        case .atomic(let file): file.sha256Hex
        case .inPlace: hasher.map { $0.finalize().hexString }
        }
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        switch storage {
        case .atomic(let file): try file.write(bytes)
        case .inPlace(let descriptor):
            hasher?.update(bufferPointer: bytes)
            try SystemCalls.writeAll(descriptor, bytes, context: "cannot write \(destination)")
            inPlaceBytes += Int64(bytes.count)
        }
    }

    /// Makes the output complete: a file is flushed and renamed into place (``AtomicFile/commit(replacing:)``); an
    /// output written in place is flushed where that means anything (a block device) and closed.
    /// - Parameter replacing: false keeps an existing regular file (`EEXIST`); ignored in place.
    /// - Returns: the hex sha256 of what was written, when hashing.
    @discardableResult
    package func commit(replacing: Bool = true) throws(FileSystemError) -> String? {
        switch storage {
        case .atomic(let file): return try file.commit(replacing: replacing)
        case .inPlace(let descriptor):
            guard descriptor >= 0 else { return sha256Hex }
            // Pipes, sockets and character devices have nothing to flush and answer EINVAL.
            if fsync(descriptor) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP {
                let error = FileSystemError("cannot flush \(destination)")
                discard()
                throw error
            }
            close(descriptor)
            storage = .inPlace(-1)
            return sha256Hex
        }
    }

    /// Removes a temporary file, or closes what was written in place (its bytes stay delivered). Safe to call more
    /// than once, and after `commit`.
    package func discard() {
        switch storage {
        case .atomic(let file): file.discard()
        case .inPlace(let descriptor):
            guard descriptor >= 0 else { return }
            close(descriptor)
            storage = .inPlace(-1)
        }
    }

    /// A private duplicate of one of this process's descriptors.
    private static func duplicate(_ descriptor: Int32, path: String) throws(FileSystemError) -> Int32 {
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else {
            throw FileSystemError("cannot write \(path)", code: errno, reason: "\(OutputTarget.describeDescriptor(descriptor)) is not open")
        }
        var status = stat()
        if fstat(copy, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            close(copy)
            throw OutputTarget.folderRefused(path)
        }
        return copy
    }

    /// Opens a device, FIFO or socket for writing where it is, without creating or truncating anything.
    /// - Parameters:
    ///   - opening: `open` or `openat` with the flags given.
    ///   - socketPath: the path a socket is connected to (default: `path`).
    /// - Returns: the descriptor; nil when a regular file is there now, which the caller writes atomically.
    private static func openInPlace(_ path: String, opening: (Int32) -> Int32, socketPath: String? = nil) throws(FileSystemError) -> Int32? {
        var descriptor = opening(O_WRONLY | O_CLOEXEC | O_NOCTTY)
        if descriptor < 0 && errno == ENXIO {
            // open(2) cannot open a Unix socket (ENXIO): it is connected to instead. A device without its hardware
            // answers ENXIO too, and is reported as such.
            let openError = FileSystemError("cannot write \(path)")
            var status = stat()
            guard stat(socketPath ?? path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { throw openError }
            descriptor = try connectSocket(socketPath ?? path, naming: path)
        }
        guard descriptor >= 0 else { throw FileSystemError("cannot write \(path)") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = FileSystemError("cannot write \(path)")
            close(descriptor)
            throw error
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            close(descriptor)
            return nil
        case S_IFDIR:
            close(descriptor)
            throw OutputTarget.folderRefused(path)
        default: return descriptor
        }
    }

    /// Connects a stream socket to the Unix socket at `path`.
    private static func connectSocket(_ path: String, naming named: String) throws(FileSystemError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw FileSystemError("cannot write \(named)", code: ENAMETOOLONG, reason: "a socket's path must be shorter than \(capacity) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let socket = Foundation.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw FileSystemError("cannot write \(named)") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(socket)
            let reason = code == EPROTOTYPE ? "it is a socket that takes datagrams, not a stream" : nil
            throw FileSystemError("cannot write \(named)", code: code, reason: reason)
        }
        return socket
    }
}

/// A file being written that is complete only on commit: the store's own files (``AtomicFile``), or a path a user
/// named (``OutputFile``), for code that writes either.
package protocol FileOutput: AnyObject {
    var bytesWritten: Int64 { get }
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError)
    @discardableResult func commit(replacing: Bool) throws(FileSystemError) -> String?
    func discard()
}

extension AtomicFile: FileOutput {}
extension OutputFile: FileOutput {}

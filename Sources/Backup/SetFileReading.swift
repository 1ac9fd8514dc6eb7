import FileSystem
import Foundation

/// Reads of a set's files that never take more bytes than the set may have, so a file planted to be huge (a sparse
/// file of terabytes costs its owner no disk) is refused before it is read, and one that grows while it is read is
/// refused as soon as it passes its limit. Every function is blocking.
enum SetFileReading {
    /// The whole of a small file (manifest, signature), refused when it is larger than `limit`.
    /// - Parameter what: how to describe the limit: `bytes a manifest may have`.
    /// - Returns: nil when there is no such file.
    static func contents(of path: String, limit: Int, what: String) throws(BackupError) -> Data? {
        let descriptor = try openRegularFile(path, limit: Int64(limit), what: what)
        guard let descriptor else { return nil }
        defer { close(descriptor) }
        var data = Data()
        var block = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try readSome(descriptor, into: &block, path: path)
            if count == 0 { return data }
            guard data.count + count <= limit else { throw tooLarge(path, size: nil, limit: Int64(limit), what: what) }
            data.append(contentsOf: block[0..<count])
        }
    }

    /// Copies a set file into `destination` (a ``PrivateScratch``), hashing the bytes as they pass: the digest
    /// describes exactly the copy, which nobody else can change afterwards.
    /// - Parameters:
    ///   - limit: the size its manifest entry gives it; a longer file is refused.
    ///   - what: how to describe the limit: `bytes its manifest entry gives it`.
    static func copy(from path: String, to destination: String, limit: Int64, what: String) throws(BackupError) -> FileDigest {
        guard let descriptor = try openRegularFile(path, limit: limit, what: what) else { throw missing(path) }
        defer { close(descriptor) }
        return try copy(to: destination, source: path, limit: limit, what: what) { buffer throws(BackupError) in
            try readSome(descriptor, into: &buffer, path: path)
        }
    }

    /// Refuses a file that is not a regular file no larger than `limit`, without reading it: for readers that bound
    /// their reads themselves but should not start on a file already too large.
    static func requireAtMost(_ path: String, limit: Int64, what: String) throws(BackupError) {
        guard let descriptor = try openRegularFile(path, limit: limit, what: what) else { throw missing(path) }
        close(descriptor)
    }

    /// Writes what `read` produces into `destination` through an ``AtomicFile``, refusing more than `limit` bytes.
    /// - Parameters:
    ///   - source: the file or object read, for messages.
    ///   - read: fills the buffer's start and says how many bytes; 0 at the end.
    static func copy(
        to destination: String,
        source: String,
        limit: Int64,
        what: String,
        read: (inout [UInt8]) throws -> Int
    ) throws(BackupError) -> FileDigest {
        let file: AtomicFile
        do { file = try AtomicFile(destination: destination) } catch { throw BackupError(.storage, "\(error)") }
        do {
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = try read(&buffer)
                if count == 0 { break }
                guard file.bytesWritten + Int64(count) <= limit else {
                    throw tooLarge(source, size: nil, limit: limit, what: what)
                }
                try buffer.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            }
            let sha256 = try file.commit() ?? ""
            return FileDigest(sha256: sha256, size: file.bytesWritten)
        } catch let error as BackupError {
            file.discard()
            throw error
        } catch let error as FileSystemError {
            file.discard()
            throw BackupError(.storage, "\(error)")
        } catch {
            file.discard()
            throw BackupError(.storage, "cannot copy \(source) to \(destination): \(error)")
        }
    }

    private static func missing(_ path: String) -> BackupError {
        BackupError(.integrity, "\(path) is missing or unreadable: \(String(cString: strerror(ENOENT)))")
    }

    /// - Parameter size: the whole size when known (from `fstat` or a HEAD); nil when the limit was passed while reading.
    static func tooLarge(_ path: String, size: Int64?, limit: Int64, what: String) -> BackupError {
        BackupError(
            .integrity,
            "\(path) has \(size.map { "\($0) bytes, " } ?? "")more than the \(limit) \(what): the set was damaged or altered"
        )
    }

    /// Opens without waiting (a FIFO planted under a set file's name would block) and accepts only a regular file
    /// no larger than `limit`. - Returns: nil when there is no such file.
    private static func openRegularFile(_ path: String, limit: Int64, what: String) throws(BackupError) -> Int32? {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            let code = errno
            guard code == EACCES else { throw BackupError(.storage, "cannot read \(path): \(String(cString: strerror(code)))") }
            throw BackupError(.integrity, "\(path) is missing or unreadable: \(String(cString: strerror(code)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = BackupError(.storage, "cannot inspect \(path): \(String(cString: strerror(errno)))")
            close(descriptor)
            throw error
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw BackupError(.integrity, "\(path) is not a regular file: the set was damaged or altered")
        }
        guard Int64(status.st_size) <= limit else {
            close(descriptor)
            throw tooLarge(path, size: Int64(status.st_size), limit: limit, what: what)
        }
        return descriptor
    }

    private static func readSome(_ descriptor: Int32, into buffer: inout [UInt8], path: String) throws(BackupError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno != EINTR { throw BackupError(.storage, "cannot read \(path): \(String(cString: strerror(errno)))") }
        }
    }
}

import Crypto
import Foundation

/// The sha256 and size of a local file, read in 1 MiB blocks. Artifacts and backup files are checked with it.
///
/// ```swift
/// let digest = try await BlockingWork.run { try FileDigest.of(path: "/srv/model.tar.gz") }
/// ```
package struct FileDigest: Sendable, Equatable {
    package var sha256: String
    package var size: Int64

    package init(sha256: String, size: Int64) {
        self.sha256 = sha256
        self.size = size
    }

    /// Blocking: run it off Swift's cooperative pool.
    /// - Throws: ``FileSystemError`` with `ENOENT` or `EACCES` when the file cannot be opened, another code when
    ///   reading fails.
    package static func of(path: String) throws(FileSystemError) -> FileDigest {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError("cannot read \(path)") }
        defer { close(descriptor) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var size: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("cannot read \(path)")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            size += Int64(count)
        }
        return FileDigest(sha256: hasher.finalize().hexString, size: size)
    }
}

import Crypto
import FileSystem
import Foundation

/// The sha256 and size of a local file.
struct FileDigest: Sendable, Equatable {
    var sha256: String
    var size: Int64

    /// Reads the file in 1 MiB blocks on a thread of its own, so that hashing a large artifact never occupies a
    /// thread of Swift's cooperative pool (the registry has no blocking pool of its own, and hashing is rare).
    static func of(file path: String) async throws -> FileDigest {
        try await onOwnThread { try blockingDigest(path) }
    }

    /// Blocking.
    static func blockingDigest(_ path: String) throws -> FileDigest {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RegistryError(.invalidArtifact, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
            hasher.update(data: block)
            size += Int64(block.count)
        }
        return FileDigest(sha256: hasher.finalize().hexString, size: size)
    }
}

/// Runs blocking work on a new thread and resumes the caller with its result.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

import Crypto
import Foundation

/// A file written beside its destination and renamed into place only when complete.
///
/// Readers of `destination` see the old file or the whole new one; a failure leaves at most a hidden
/// `.NAME.nomaly-tmp-…` file, which ``discard()`` (call it on every failure path; `deinit` does too) removes.
/// The content's sha256 is computed while writing when asked for.
///
/// ```swift
/// let file = try AtomicFile(destination: "/var/lib/nomaly/artifacts/ab/abcd.tar.gz")
/// try file.write(bytes)
/// let sha256 = try file.commit()
/// ```
///
/// Invariant: one user at a time; every method is blocking.
public final class AtomicFile {
    public let destination: String
    public let temporaryPath: String
    /// The open temporary file, for callers that write through their own code; -1 after commit or discard.
    public private(set) var descriptor: Int32
    public private(set) var bytesWritten: Int64 = 0
    private var hasher: SHA256?

    /// Temporary files carry this marker so that listings can skip them.
    public static let temporaryMarker = ".nomaly-tmp-"

    /// Creates the temporary file, and the destination's folder if it is missing.
    /// - Parameter hashing: compute the sha256 of what ``write(_:)`` receives.
    public init(destination: String, hashing: Bool = true) throws(FileSystemError) {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let directory = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FileSystemError("cannot create \(directory)", code: EACCES)
        }
        temporaryPath = directory + "/." + url.lastPathComponent + Self.temporaryMarker + UUID().uuidString.prefix(8)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystemError("cannot create \(temporaryPath)") }
        hasher = hashing ? SHA256() : nil
    }

    deinit { discard() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        hasher?.update(bufferPointer: bytes)
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("cannot write \(temporaryPath)")
            }
            offset += written
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Flushes to disk and renames into place; afterwards the folder entry is flushed too, so the new name
    /// survives a power cut.
    /// - Parameter replacing: false keeps an existing destination: the commit then fails with `EEXIST` and the
    ///   temporary file is removed. The check and the move are one step (a hard link), so a file that appears
    ///   meanwhile is never replaced either.
    /// - Returns: the hex sha256 of what was written, when hashing.
    @discardableResult
    public func commit(replacing: Bool = true) throws(FileSystemError) -> String? {
        guard fsync(descriptor) == 0 else { throw FileSystemError("cannot flush \(temporaryPath)") }
        close(descriptor)
        descriptor = -1
        if replacing {
            guard rename(temporaryPath, destination) == 0 else {
                let error = FileSystemError("cannot rename \(temporaryPath) to \(destination)")
                unlink(temporaryPath)
                throw error
            }
        } else {
            // rename(2) always replaces and renameat2(RENAME_NOREPLACE) is not visible to Swift; link(2) refuses an
            // existing name atomically, and the temporary name is dropped afterwards.
            let linked = link(temporaryPath, destination) == 0
            let error = linked ? nil : FileSystemError("cannot create \(destination)")
            unlink(temporaryPath)
            if let error { throw error }
        }
        let directory = open(URL(fileURLWithPath: destination).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return sha256Hex
    }

    /// Removes the temporary file. Safe to call more than once, and after `commit`.
    public func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryPath)
    }

    /// The hex sha256 of everything written so far, when hashing.
    public var sha256Hex: String? { hasher.map { $0.finalize().hexString } }
}

extension Sequence<UInt8> {
    /// Lower-case hex, as sha256sum prints it.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

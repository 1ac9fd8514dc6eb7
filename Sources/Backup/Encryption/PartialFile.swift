import Foundation

/// A file written at `destination.partial-<random>` and renamed to `destination` only by ``commit()``.
///
/// Invariant: one user at a time; every method is blocking. Call ``discard()`` on every failure path.
final class PartialFile {
    let destination: String
    let temporaryPath: String
    private var descriptor: Int32

    init(destination: String) throws(EncryptionError) {
        self.destination = destination
        temporaryPath = destination + ".partial-" + ChunkedCipher.hex(withUnsafeBytes(of: UInt32.random(in: .min ... .max)) { Array($0) })
        // 0600: the plaintext side of a decrypt is a readable dump.
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw EncryptionError.system("create", temporaryPath) }
    }

    deinit { discard() }

    func write(_ bytes: UnsafeRawBufferPointer) throws(EncryptionError) {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw EncryptionError.system("write", temporaryPath)
            }
            offset += written
        }
    }

    /// Flushes, renames into place, and flushes the folder so the new name survives a power cut.
    func commit() throws(EncryptionError) {
        guard fsync(descriptor) == 0 else { throw EncryptionError.system("flush", temporaryPath) }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, destination) == 0 else {
            let error = EncryptionError.system("rename \(temporaryPath) to", destination)
            unlink(temporaryPath)
            throw error
        }
        let folder = open(URL(fileURLWithPath: destination).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    /// Removes the partial file; safe to call more than once and after ``commit()``.
    func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryPath)
    }
}

import Crypto
import Foundation

/// Digests of one file on both sides of encryption, lower-case hex as `sha256sum` prints them.
package struct FileDigests: Sendable, Equatable {
    /// The plaintext: the source of ``EncryptedFile/encrypt(from:to:key:binding:)``, the output of a decrypt.
    package let plainSHA256: String
    package let plainSize: Int64
    /// The encrypted file as stored (what `sha256sum` or an S3 checksum of it sees).
    package let storedSHA256: String
    package let storedSize: Int64

    package init(plainSHA256: String, plainSize: Int64, storedSHA256: String, storedSize: Int64) {
        self.plainSHA256 = plainSHA256
        self.plainSize = plainSize
        self.storedSHA256 = storedSHA256
        self.storedSize = storedSize
    }
}

/// Whole-file encryption, decryption and verification with ``ChunkEncryptor`` and ``ChunkDecryptor``.
///
/// Every function is blocking (plain POSIX reads of 1 MiB): run it on the blocking pool. A destination is written to
/// `destination.partial-<random>` and renamed into place only when complete; on any failure the partial file is
/// removed and the destination is untouched.
///
/// ```swift
/// let binding = SetFileBinding(setID: "20261203_010000", fileName: "database.dump")
/// let digests = try EncryptedFile.encrypt(from: "plain/database.dump", to: "set/database.dump", key: key, binding: binding)
/// let check = try EncryptedFile.verify(at: "set/database.dump", key: key, binding: binding)
/// assert(check == digests)
/// ```
package enum EncryptedFile {
    /// Encrypts `source` into `destination` as the file `binding` names, replacing it if it exists. Blocking.
    /// - Returns: digests of the source and of the encrypted file.
    package static func encrypt(
        from source: String,
        to destination: String,
        key: EncryptionKey,
        binding: SetFileBinding
    ) throws(EncryptionError) -> FileDigests {
        var plain = Hashing()
        var stored = Hashing()
        let output = try PartialFile(destination: destination)
        do {
            let encryptor = try ChunkEncryptor(key: key, binding: binding) { bytes in
                stored.update(bytes)
                try output.write(bytes)
            }
            try readBlocks(of: source) { block in
                plain.update(block)
                try encryptor.update(block)
            }
            try encryptor.finish()
            try output.commit()
        } catch {
            output.discard()
            throw EncryptionError.wrapping(error, path: destination)
        }
        return FileDigests(plain: plain, stored: stored)
    }

    /// Decrypts and authenticates `source` into `destination`, replacing it if it exists. Blocking.
    ///
    /// Nothing is left at `destination` unless every chunk verified and the stream was complete.
    /// - Parameters:
    ///   - binding: the set and file name `source` must have been written as; nil for a file of a format-1 set.
    ///   - maxStoredBytes: a longer `source` is refused (`.corrupt`) before it is read, or as soon as it grows past it.
    /// - Returns: digests of the decrypted content and of the encrypted file.
    package static func decrypt(
        from source: String,
        to destination: String,
        key: EncryptionKey,
        binding: SetFileBinding?,
        maxStoredBytes: Int64 = .max
    ) throws(EncryptionError) -> FileDigests {
        var plain = Hashing()
        var stored = Hashing()
        let output = try PartialFile(destination: destination)
        do {
            let decryptor = ChunkDecryptor(key: key, expecting: binding) { bytes in
                plain.update(bytes)
                try output.write(bytes)
            }
            try readBlocks(of: source, limit: maxStoredBytes) { block in
                stored.update(block)
                try decryptor.update(block)
            }
            try decryptor.finish()
            try output.commit()
        } catch {
            output.discard()
            throw EncryptionError.wrapping(error, path: source)
        }
        return FileDigests(plain: plain, stored: stored)
    }

    /// Decrypts and authenticates the file at `path` without writing the plaintext anywhere. Blocking.
    /// - Parameter binding: the set and file name it must have been written as; nil for a file of a format-1 set.
    /// - Returns: digests of the content and of the encrypted file, to compare with a manifest.
    package static func verify(at path: String, key: EncryptionKey, binding: SetFileBinding?) throws(EncryptionError) -> FileDigests {
        var plain = Hashing()
        var stored = Hashing()
        do {
            let decryptor = ChunkDecryptor(key: key, expecting: binding) { bytes in plain.update(bytes) }
            try readBlocks(of: path) { block in
                stored.update(block)
                try decryptor.update(block)
            }
            try decryptor.finish()
        } catch {
            throw EncryptionError.wrapping(error, path: path)
        }
        return FileDigests(plain: plain, stored: stored)
    }

    static let blockSize = 1 << 20

    /// Calls `body` with each block read from `path`, in order, refusing a file longer than `limit`.
    private static func readBlocks(of path: String, limit: Int64 = .max, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw EncryptionError.system("read", path) }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, Int64(status.st_size) > limit {
            throw EncryptionError(.corrupt, "\(path) has \(status.st_size) bytes, more than the \(limit) expected")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw EncryptionError.system("read", path)
            }
            if count == 0 { return }
            total += Int64(count)
            guard total <= limit else { throw EncryptionError(.corrupt, "\(path) has more than the \(limit) bytes expected") }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }
}

/// A running SHA-256 and byte count.
private struct Hashing {
    var hasher = SHA256()
    var size: Int64 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
    }

    var hex: String { ChunkedCipher.hex(hasher.finalize()) }
}

extension FileDigests {
    fileprivate init(plain: Hashing, stored: Hashing) {
        self.init(plainSHA256: plain.hex, plainSize: plain.size, storedSHA256: stored.hex, storedSize: stored.size)
    }
}

extension EncryptionError {
    /// Our own errors pass through; anything else (a crypto library error) becomes an I/O error on `path`.
    fileprivate static func wrapping(_ error: any Error, path: String) -> EncryptionError {
        (error as? EncryptionError) ?? EncryptionError(.io, "cannot process \(path): \(error)")
    }
}

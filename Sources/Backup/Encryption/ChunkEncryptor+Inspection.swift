import Foundation

extension ChunkEncryptor {
    /// The id of the key an encrypted file was written with, read from its header; nil for a plain file.
    ///
    /// Compare it with ``EncryptionKey/id`` before a long download or restore. Blocking.
    ///
    /// ```swift
    /// if let id = try ChunkEncryptor.keyID(ofFileAt: "set/database.dump"), id != key.id {
    ///     throw BackupError(.incompatible, "database.dump was encrypted with key \(id)")
    /// }
    /// ```
    /// - Throws: ``EncryptionError/Code/io`` when the file can't be read, ``EncryptionError/Code/format`` when it
    ///   starts like an encrypted file but its header is short or of an unsupported version.
    package static func keyID(ofFileAt path: String) throws(EncryptionError) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw EncryptionError.system("read", path) }
        defer { close(descriptor) }
        var header = [UInt8](repeating: 0, count: ChunkedCipher.prefixSize)
        var count = 0
        while count < header.count {
            let got = header.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw EncryptionError.system("read", path)
            }
            if got == 0 { break }
            count += got
        }
        header.removeLast(header.count - count)
        guard isEncrypted(header: header) else { return nil }
        guard count == ChunkedCipher.prefixSize else {
            throw EncryptionError(.format, "\(path) is truncated inside its encryption header (\(count) bytes)")
        }
        return ChunkedCipher.hex(try ChunkedCipher.Header(parsingPrefix: header).keyID)
    }

    /// Whether bytes from the start of a file begin with the encrypted format's magic `NOMALYENC1`.
    ///
    /// Pass at least the first 10 bytes; fewer always answer false.
    ///
    /// ```swift
    /// let encrypted = ChunkEncryptor.isEncrypted(header: firstBlock.prefix(10))
    /// ```
    package static func isEncrypted(header: some Collection<UInt8>) -> Bool { header.starts(with: ChunkedCipher.magic) }
}

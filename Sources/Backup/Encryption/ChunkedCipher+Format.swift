import Crypto

/// The encrypted file format, shared by ``ChunkEncryptor`` and ``ChunkDecryptor``.
///
/// ```
/// header  = "NOMALYENC1" | version (1 byte, 1) | key id (8) | chunk size (UInt32 BE) | nonce prefix (8 random bytes)
/// record  = flag (0 more follows, 1 final) | length (UInt32 BE) | ciphertext (length bytes) | tag (16)
/// nonce i = nonce prefix | UInt32 BE i
/// AAD i   = header (31 bytes) | UInt64 BE i | flag
/// ```
///
/// Every record but the last holds exactly one chunk; the last holds 0 to chunk-size bytes. Binding the index and the
/// flag into each tag detects reordering, truncation and appended records; binding the whole header (with its random
/// nonce prefix) detects header tampering and records moved between files encrypted with the same key.
enum ChunkedCipher {
    static let magic: [UInt8] = Array("NOMALYENC1".utf8)
    static let version: UInt8 = 1
    static let headerSize = 31
    static let recordHeaderSize = 5
    static let tagSize = 16
    /// A header can't make a decryptor allocate more than this per chunk.
    static let maximumChunkSize = 1 << 26
    static let moreFlag: UInt8 = 0
    static let finalFlag: UInt8 = 1
    /// The nonce has 32 bits for the chunk index.
    static let maximumChunkIndex = UInt64(UInt32.max)

    struct Header {
        /// The 31 bytes as written, authenticated with every record.
        var bytes: [UInt8]
        var keyID: [UInt8] { Array(bytes[11..<19]) }
        var chunkSize: Int { Int(bytes[19..<23].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
        var noncePrefix: ArraySlice<UInt8> { bytes[23..<31] }

        init(keyID: [UInt8], chunkSize: Int, noncePrefix: UInt64) {
            bytes = ChunkedCipher.magic + [ChunkedCipher.version] + keyID
            bytes += withUnsafeBytes(of: UInt32(chunkSize).bigEndian) { Array($0) }
            bytes += withUnsafeBytes(of: noncePrefix) { Array($0) }
        }

        /// Validates magic, version and chunk size; the key id is the caller's to compare.
        init(parsing bytes: some Collection<UInt8>) throws(EncryptionError) {
            self.bytes = Array(bytes)
            guard self.bytes.count == ChunkedCipher.headerSize, self.bytes.starts(with: ChunkedCipher.magic) else {
                throw EncryptionError(.format, "not a Nomaly encrypted file: it does not start with NOMALYENC1")
            }
            guard self.bytes[10] == ChunkedCipher.version else {
                throw EncryptionError(
                    .format,
                    "unsupported Nomaly encryption format version \(self.bytes[10]); this build reads version \(ChunkedCipher.version)"
                )
            }
            guard (1...ChunkedCipher.maximumChunkSize).contains(chunkSize) else {
                throw EncryptionError(.format, "the encryption header is damaged: chunk size \(chunkSize) is out of range")
            }
        }
    }

    /// Nonce and associated data for one chunk, rebuilt in place so a stream of gigabytes allocates them once.
    struct ChunkParameters {
        private var nonceBytes: [UInt8]
        private(set) var associatedData: [UInt8]

        init(header: Header) {
            nonceBytes = Array(header.noncePrefix) + [0, 0, 0, 0]
            associatedData = header.bytes + [UInt8](repeating: 0, count: 9)
        }

        /// Sets both for chunk `index` (at most ``maximumChunkIndex``) with its flag, and returns the nonce.
        mutating func prepare(index: UInt64, flag: UInt8) -> AES.GCM.Nonce {
            let headerSize = ChunkedCipher.headerSize
            for shift in 0..<4 { nonceBytes[8 + shift] = UInt8(truncatingIfNeeded: index >> (24 - 8 * shift)) }
            for shift in 0..<8 { associatedData[headerSize + shift] = UInt8(truncatingIfNeeded: index >> (56 - 8 * shift)) }
            associatedData[headerSize + 8] = flag
            // A 12-byte nonce is always valid.
            return try! AES.GCM.Nonce(data: nonceBytes)
        }
    }

    /// A record's flag and length, big endian.
    static func recordHeader(flag: UInt8, length: Int) -> (UInt8, UInt8, UInt8, UInt8, UInt8) {
        let length = UInt32(length)
        return (
            flag, UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8),
            UInt8(truncatingIfNeeded: length)
        )
    }

    /// Lower-case hex, as sha256sum prints it.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

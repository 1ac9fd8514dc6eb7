import Crypto

/// The encrypted file format, shared by ``ChunkEncryptor`` and ``ChunkDecryptor``.
///
/// ```
/// header  = prefix | binding length (UInt16 BE) | binding                            (version 2)
///         = prefix                                                                   (version 1, read only)
/// prefix  = "NOMALYENC1" | version (1 byte) | key id (8) | chunk size (UInt32 BE) | nonce prefix (8 random bytes)
/// binding = set id | 0x00 | file name   (UTF-8: which file of which set this is)
/// record  = flag (0 more follows, 1 final) | length (UInt32 BE) | ciphertext (length bytes) | tag (16)
/// nonce i = nonce prefix | UInt32 BE i
/// AAD i   = header (all of it) | UInt64 BE i | flag
/// key     = HKDF-SHA256(backup key, "nomaly backup chunk key v2")   (version 1: the backup key itself)
/// ```
///
/// Every record but the last holds exactly one chunk; the last holds 0 to chunk-size bytes. Binding the index and the
/// flag into each tag detects reordering, truncation and appended records; binding the whole header (with its random
/// nonce prefix) detects header tampering and records moved between files encrypted with the same key. Version 2
/// also binds the set id and the file name, so a whole file copied from another set, or renamed within one, fails
/// too: the decryptor is told which file it expects and compares before decrypting, and a header edited to match
/// fails every tag.
enum ChunkedCipher {
    static let magic: [UInt8] = Array("NOMALYENC1".utf8)
    /// What ``ChunkEncryptor`` writes.
    static let version: UInt8 = 2
    /// Sets of manifest format 1 hold files of this version: no binding, the backup key used as is.
    static let legacyVersion: UInt8 = 1
    /// The part of the header every version has.
    static let prefixSize = 31
    /// The binding's length field, after the prefix in version 2.
    static let bindingLengthSize = 2
    /// Far above any set id and file name we write; a header can't make a decryptor buffer more.
    static let maximumBindingSize = 1024
    static let recordHeaderSize = 5
    static let tagSize = 16
    /// A header can't make a decryptor allocate more than this per chunk.
    static let maximumChunkSize = 1 << 26
    static let moreFlag: UInt8 = 0
    static let finalFlag: UInt8 = 1
    /// The nonce has 32 bits for the chunk index.
    static let maximumChunkIndex = UInt64(UInt32.max)

    struct Header {
        /// The bytes as written, authenticated with every record.
        var bytes: [UInt8]
        var version: UInt8 { bytes[10] }
        var keyID: [UInt8] { Array(bytes[11..<19]) }
        var chunkSize: Int { Int(bytes[19..<23].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
        var noncePrefix: ArraySlice<UInt8> { bytes[23..<31] }

        /// A version 2 header.
        init(keyID: [UInt8], chunkSize: Int, noncePrefix: UInt64, binding: SetFileBinding) {
            let bound = binding.bytes
            precondition(bound.count <= ChunkedCipher.maximumBindingSize, "the binding \(binding) is too long")
            bytes = ChunkedCipher.magic + [ChunkedCipher.version] + keyID
            bytes += withUnsafeBytes(of: UInt32(chunkSize).bigEndian) { Array($0) }
            bytes += withUnsafeBytes(of: noncePrefix) { Array($0) }
            bytes += withUnsafeBytes(of: UInt16(bound.count).bigEndian) { Array($0) }
            bytes += bound
        }

        /// Validates magic, version and chunk size of the first ``prefixSize`` bytes; the key id is the caller's to
        /// compare, and a version 2 header's binding follows with ``appendBinding(length:)`` and ``appendBinding(_:)``.
        init(parsingPrefix bytes: some Collection<UInt8>) throws(EncryptionError) {
            self.bytes = Array(bytes)
            guard self.bytes.count == ChunkedCipher.prefixSize, self.bytes.starts(with: ChunkedCipher.magic) else {
                throw EncryptionError(.format, "not a Nomaly encrypted file: it does not start with NOMALYENC1")
            }
            guard version == ChunkedCipher.version || version == ChunkedCipher.legacyVersion else {
                throw EncryptionError(
                    .format,
                    "unsupported Nomaly encryption format version \(version); this build reads versions 1 and \(ChunkedCipher.version)"
                )
            }
            guard (1...ChunkedCipher.maximumChunkSize).contains(chunkSize) else {
                throw EncryptionError(.format, "the encryption header is damaged: chunk size \(chunkSize) is out of range")
            }
        }

        /// Appends the two length bytes of a version 2 header. - Returns: the binding's length.
        mutating func appendBindingLength(_ field: some Collection<UInt8>) throws(EncryptionError) -> Int {
            bytes += field
            let length = Int(field.reduce(UInt16(0)) { $0 << 8 | UInt16($1) })
            guard (1...ChunkedCipher.maximumBindingSize).contains(length) else {
                throw EncryptionError(.corrupt, "the encryption header is damaged: its set binding claims \(length) bytes")
            }
            return length
        }

        mutating func appendBinding(_ binding: some Collection<UInt8>) { bytes += binding }

        /// The set and file a version 2 header names, once appended; nil when it can't be read (the tags then fail).
        var binding: SetFileBinding? {
            let start = ChunkedCipher.prefixSize + ChunkedCipher.bindingLengthSize
            guard version == ChunkedCipher.version, bytes.count > start else { return nil }
            return SetFileBinding(bytes: bytes[start...])
        }
    }

    /// Nonce and associated data for one chunk, rebuilt in place so a stream of gigabytes allocates them once.
    struct ChunkParameters {
        private var nonceBytes: [UInt8]
        private(set) var associatedData: [UInt8]

        private let headerSize: Int

        init(header: Header) {
            nonceBytes = Array(header.noncePrefix) + [0, 0, 0, 0]
            associatedData = header.bytes + [UInt8](repeating: 0, count: 9)
            headerSize = header.bytes.count
        }

        /// Sets both for chunk `index` (at most ``maximumChunkIndex``) with its flag, and returns the nonce.
        mutating func prepare(index: UInt64, flag: UInt8) -> AES.GCM.Nonce {
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

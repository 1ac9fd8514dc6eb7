import Crypto
import Foundation

/// A 256-bit backup key, read from ENCRYPTION_KEY_FILE or NOMALY_BACKUP_SIGNING_KEY_FILE.
///
/// The file may hold 64 hex digits, base64 or base64url of 32 bytes (with or without padding, so Fernet-style keys
/// work), or exactly 32 raw bytes; trailing whitespace is ignored. Make one with `openssl rand -hex 32 > key`.
///
/// The key itself is never used directly (except to read files of format-1 sets): chunks are sealed with
/// ``chunkKey`` and manifests signed with ``signingKey``, both derived with HKDF-SHA256 under their own label, so one
/// key never serves two purposes.
///
/// ```swift
/// let key = try EncryptionKey(fileAt: "/run/secrets/nomaly-backup-key")
/// print(key.id)  // "3fa1c0d2e4b59687": safe to log and to record in a manifest
/// ```
package struct EncryptionKey: Sendable, CustomStringConvertible {
    /// 16 lower-case hex digits identifying the key without revealing it: the first 8 bytes of
    /// HMAC-SHA256(key, "nomaly backup key id"). Recorded in manifests so a wrong key is a clear error.
    package let id: String
    /// The raw 8 bytes behind ``id``, as the encrypted header stores them.
    let idBytes: [UInt8]
    /// The key as read: the chunk key of encryption format 1 (sets of manifest format 1), and nothing else.
    let legacyChunkKey: SymmetricKey
    /// Seals the chunks of encryption format 2: HKDF-SHA256(key, info ``chunkKeyLabel``).
    let chunkKey: SymmetricKey
    /// Signs manifests (HMAC-SHA256): HKDF-SHA256(key, info ``signingKeyLabel``).
    let signingKey: SymmetricKey

    static let chunkKeyLabel = "nomaly backup chunk key v2"
    static let signingKeyLabel = "nomaly backup manifest signing key v2"

    static let byteCount = 32
    /// Far above any accepted form; a larger file is surely not a key, and is not read whole.
    private static let maximumFileSize = 4096

    private static let acceptedForms =
        "expected 64 hex digits, base64 or base64url of 32 bytes, or exactly 32 raw bytes; make one with `openssl rand -hex 32 > key`"

    /// Reads and parses a key file. Blocking.
    /// - Parameter path: the file named by ENCRYPTION_KEY_FILE.
    /// - Throws: ``EncryptionError/Code/keyFile`` when the file is missing, unreadable, empty or not a key; the
    ///   message names the path and the reason, never the content.
    package init(fileAt path: String) throws(EncryptionError) {
        let content = try Self.readKeyFile(path)
        guard !content.isEmpty else { throw EncryptionError(.keyFile, "key file \(path) is empty: \(Self.acceptedForms)") }
        // Raw bytes first: 32 bytes can't be a textual key, and trimming could eat a raw key's last byte.
        if content.count == Self.byteCount {
            try self.init(bytes: content)
            return
        }
        let trimmed = content[..<(content.lastIndex { !Self.isWhitespace($0) }.map { $0 + 1 } ?? 0)]
        if let bytes = Self.parseText(trimmed) ?? (trimmed.count == Self.byteCount ? Array(trimmed) : nil) {
            try self.init(bytes: bytes)
            return
        }
        throw EncryptionError(.keyFile, "key file \(path) does not hold a key (\(content.count) bytes): \(Self.acceptedForms)")
    }

    /// Uses 32 bytes as the key.
    ///
    /// ```swift
    /// let key = try EncryptionKey(bytes: [UInt8](repeating: 7, count: 32))  // a fixed key, for tests
    /// ```
    /// - Throws: ``EncryptionError/Code/keyFile`` unless there are exactly 32 bytes.
    package init(bytes: [UInt8]) throws(EncryptionError) {
        guard bytes.count == Self.byteCount else {
            throw EncryptionError(.keyFile, "a backup key has 32 bytes, not \(bytes.count): \(Self.acceptedForms)")
        }
        let key = SymmetricKey(data: bytes)
        let code = HMAC<SHA256>.authenticationCode(for: Array("nomaly backup key id".utf8), using: key)
        idBytes = Array(Array(code).prefix(8))
        id = ChunkedCipher.hex(idBytes)
        legacyChunkKey = key
        chunkKey = Self.derive(from: key, label: Self.chunkKeyLabel)
        signingKey = Self.derive(from: key, label: Self.signingKeyLabel)
    }

    /// HKDF-SHA256 without salt (the key is uniformly random already), 32 bytes.
    private static func derive(from key: SymmetricKey, label: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array(label.utf8), outputByteCount: byteCount)
    }

    /// Parses a key's textual form: 64 hex digits, or base64 / base64url of 32 bytes. Surrounding whitespace is ignored.
    ///
    /// ```swift
    /// let key = try EncryptionKey(text: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
    /// ```
    /// - Throws: ``EncryptionError/Code/keyFile`` for anything else; the message does not repeat the text.
    package init(text: String) throws(EncryptionError) {
        let utf8 = Array(text.utf8)
        let start = utf8.firstIndex { !Self.isWhitespace($0) } ?? utf8.endIndex
        let end = utf8.lastIndex { !Self.isWhitespace($0) }.map { $0 + 1 } ?? start
        guard let bytes = Self.parseText(utf8[start..<max(start, end)]) else {
            throw EncryptionError(.keyFile, "the text is not a backup key (\(utf8.count) bytes): \(Self.acceptedForms)")
        }
        try self.init(bytes: bytes)
    }

    /// Shows the id only, so a key that ends up in a log or an interpolated message reveals nothing.
    package var description: String { "EncryptionKey(id: \(id))" }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// The 32 key bytes of a hex or base64(url) text, or nil.
    private static func parseText(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        if text.count == 2 * byteCount { return parseHex(text) }
        return parseBase64(text)
    }

    private static func parseHex(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount)
        var index = text.startIndex
        while index < text.endIndex {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Both alphabets, padding optional: 43 characters unpadded, 44 with one `=`.
    private static func parseBase64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var standard = text.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "-"): UInt8(ascii: "+")
            case UInt8(ascii: "_"): UInt8(ascii: "/")
            default: byte
            }
        }
        guard standard.count == 43 || (standard.count == 44 && standard.last == UInt8(ascii: "=")) else { return nil }
        if standard.count == 43 { standard.append(UInt8(ascii: "=")) }
        guard let data = Data(base64Encoded: Data(standard)), data.count == byteCount else { return nil }
        return Array(data)
    }

    private static func readKeyFile(_ path: String) throws(EncryptionError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw EncryptionError.system("read key file", path, code: .keyFile) }
        defer { close(descriptor) }
        var content = [UInt8](repeating: 0, count: maximumFileSize + 1)
        var count = 0
        while count < content.count {
            let got = content.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw EncryptionError.system("read key file", path, code: .keyFile)
            }
            if got == 0 { break }
            count += got
        }
        guard count <= maximumFileSize else {
            throw EncryptionError(.keyFile, "key file \(path) is larger than \(maximumFileSize) bytes: \(acceptedForms)")
        }
        return Array(content[..<count])
    }
}

import Crypto
import Foundation

/// `manifest.json.sig`: an HMAC-SHA256 of the exact bytes of `manifest.json`, beside it in the set.
///
/// The manifest names the set id, the format version, the encryption block and every file's name, size and sha256,
/// so a valid signature vouches for every byte of the set. It signs the bytes as stored rather than a re-serialised
/// form, so no JSON canonicalisation can make two Nomaly versions disagree. The MAC key is derived from the backup key
/// (``EncryptionKey/signingKey``); the signature names the key's id, so a set signed with another key is reported as
/// such rather than as tampered.
///
/// ```json
/// {"algorithm": "HMAC-SHA256", "hmac": "9f…", "key": "ENCRYPTION_KEY_FILE", "key_id": "3fa1c0d2e4b59687"}
/// ```
struct ManifestSignature: Codable, Equatable {
    static let fileName = "manifest.json.sig"
    static let algorithmName = "HMAC-SHA256"
    /// Far above the ~150 bytes we write; a larger file is not read whole.
    static let maximumSize = 4096

    var algorithm: String
    /// 64 hex digits.
    var hmac: String
    /// The setting whose key signed (`ENCRYPTION_KEY_FILE` or `NOMALY_BACKUP_SIGNING_KEY_FILE`), for messages: the key
    /// is looked up by ``keyId``.
    var key: String
    var keyId: String

    init(signing manifest: Data, with key: EncryptionKey, setting: String) {
        algorithm = Self.algorithmName
        hmac = ChunkedCipher.hex(HMAC<SHA256>.authenticationCode(for: manifest, using: key.signingKey))
        self.key = setting
        keyId = key.id
    }

    /// Whether `manifest` is exactly what was signed with `key`, compared in constant time.
    func isValid(for manifest: Data, key: EncryptionKey) -> Bool {
        guard let code = Self.bytes(hex: hmac), code.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: manifest, using: key.signingKey)
    }

    func encoded() throws -> Data { try BackupManifest.encoder.encode(self) }

    static func decode(_ data: Data, source: String) throws(BackupError) -> ManifestSignature {
        guard data.count <= maximumSize else {
            throw BackupError(.integrity, "\(source) has \(data.count) bytes, far more than a signature: the set was damaged or altered")
        }
        let signature: ManifestSignature
        do {
            signature = try BackupManifest.decoder.decode(ManifestSignature.self, from: data)
        } catch {
            throw BackupError(.integrity, "\(source) is not a readable signature (\(error)): the set was damaged or altered")
        }
        guard signature.algorithm == algorithmName else {
            throw BackupError(.integrity, "\(source) uses \(signature.algorithm); this Nomaly signs and checks \(algorithmName) only")
        }
        return signature
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2), digits.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }) else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

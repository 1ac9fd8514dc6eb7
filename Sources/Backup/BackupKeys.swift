/// The keys one backup command works with, read once when it starts so that every step sees the same ones.
///
/// `ENCRYPTION_KEY_FILE` encrypts new sets and signs them; `NOMALY_BACKUP_SIGNING_KEY_FILE` signs sets when there is no
/// encryption key, and checks sets it signed earlier. Either can check a signature: it is found by its key id.
struct BackupKeys: Sendable {
    static let encryptionSetting = "ENCRYPTION_KEY_FILE"
    static let signingSetting = "NOMALY_BACKUP_SIGNING_KEY_FILE"

    var encryption: EncryptionKey?
    var signing: EncryptionKey?

    /// Nothing to encrypt, sign or check with: sets are made and read as before signing existed.
    var isEmpty: Bool { encryption == nil && signing == nil }

    /// What signs a new set: an encrypted set is signed by the key that encrypted it.
    var signer: (key: EncryptionKey, setting: String)? {
        if let encryption { return (encryption, Self.encryptionSetting) }
        return signing.map { ($0, Self.signingSetting) }
    }

    /// Reads the key file a setting names. Blocking.
    /// - Throws: ``BackupError/Code/key``: the message starts with the setting, then says what is wrong with the file.
    static func load(_ setting: String, at path: String) throws(BackupError) -> EncryptionKey {
        do {
            return try EncryptionKey(fileAt: path)
        } catch {
            throw BackupError(.key, "\(setting): \(error.message)")
        }
    }

    /// The configured key with this id, from either setting.
    func key(id: String) -> EncryptionKey? {
        [encryption, signing].compactMap { $0 }.first { $0.id == id }
    }

    /// What a setting holds, for messages: `ENCRYPTION_KEY_FILE holds key 3fa1…` or `… is not set`.
    func describe(_ setting: String) -> String {
        let key = setting == Self.encryptionSetting ? encryption : signing
        return key.map { "\(setting) holds key \($0.id)" } ?? "\(setting) is not set"
    }

    /// The key an encrypted set needs, or a clear error when it is missing or another one.
    func decryptionKey(for manifest: BackupManifest) throws(BackupError) -> EncryptionKey? {
        guard let facts = manifest.encryption else { return nil }
        guard let encryption else {
            throw BackupError(
                .incompatible,
                "set \(manifest.id) is encrypted (key \(facts.keyId)); set \(Self.encryptionSetting) to the file holding that key"
            )
        }
        guard encryption.id == facts.keyId else {
            throw BackupError(
                .incompatible,
                "set \(manifest.id) was encrypted with key \(facts.keyId); \(Self.encryptionSetting) holds key \(encryption.id)"
            )
        }
        return encryption
    }
}

import Crypto
import Foundation

/// What an operator knowingly accepts for one `backup verify` or `backup restore`: each waives one missing protection,
/// never a failed check. Every waiver used is logged as a warning and written to the audit log.
///
/// ```swift
/// let waivers = BackupWaivers(allowUnencrypted: true, allowUnsigned: true, actor: "cli:alice")
/// try await BackupVerifier(environment).verify(id, waivers: waivers)
/// ```
package struct BackupWaivers: Sendable, Equatable {
    /// `--allow-unencrypted`: accept a set without encryption although `ENCRYPTION_KEY_FILE` is set.
    package var allowUnencrypted: Bool
    /// `--allow-unsigned`: accept a set whose manifest carries no signature, or one made with a signing key that is not
    /// configured here, although a key is configured. A signature that does not match is never accepted.
    package var allowUnsigned: Bool
    /// Who waived, for the audit log (`cli:USER`).
    package var actor: String

    package init(allowUnencrypted: Bool = false, allowUnsigned: Bool = false, actor: String = "unknown") {
        self.allowUnencrypted = allowUnencrypted
        self.allowUnsigned = allowUnsigned
        self.actor = actor
    }

    package static let none = BackupWaivers()
}

/// How a set's manifest came to be trusted.
package struct SetAuthentication: Sendable, Equatable {
    /// A protection the set lacks, accepted through a waiver.
    package struct Waiver: Sendable, Equatable, Codable {
        /// `unencrypted` or `unsigned`.
        package let kind: String
        /// What the set lacks, for the log and the audit entry.
        package let reason: String
    }

    /// The id of the key whose signature matched; nil when the set was read without checking one.
    package var signedWith: String?
    package var waived: [Waiver]

    /// Neither signed nor waived: no key is configured to check anything with.
    static let unchecked = SetAuthentication(signedWith: nil, waived: [])
}

/// Decides whether a set's manifest may be trusted, before anything else of the set is read.
///
/// 1. A signature (``ManifestSignature``) made with a configured key must match the manifest's bytes; a mismatch is
///    refused whatever the waivers say.
/// 2. The manifest must name the set it was found as: a renamed folder or bucket prefix is refused.
/// 3. While any key is configured, a set without a usable signature is refused unless the unsigned waiver is given;
///    while `ENCRYPTION_KEY_FILE` is set, a set without encryption is refused unless the unencrypted waiver is given.
///    Both reasons are named in one message with the flags that waive them.
enum SetAuthenticator {
    /// Pure: the bytes of `manifest.json` and `manifest.json.sig` (nil when there is none) of the set found as `id`.
    static func authenticate(
        manifest data: Data,
        signature: Data?,
        expected id: BackupSetID,
        keys: BackupKeys,
        waivers: BackupWaivers
    ) throws(BackupError) -> (manifest: BackupManifest, authentication: SetAuthentication) {
        var signedWith: String?
        var unsigned: String?
        if let signature {
            let parsed = try ManifestSignature.decode(signature, source: "\(ManifestSignature.fileName) of set \(id)")
            if let key = keys.key(id: parsed.keyId) {
                guard parsed.isValid(for: data, key: key) else {
                    throw BackupError(
                        .integrity,
                        "\(BackupManifest.fileName) of set \(id) does not match its signature (\(ManifestSignature.algorithmName), key \(parsed.keyId)): "
                            + "the manifest was changed after the set was made, or the signature was taken from another set"
                    )
                }
                signedWith = key.id
            } else if parsed.key == BackupKeys.encryptionSetting {
                // Its files are encrypted with that key too: no waiver could make them readable.
                throw BackupError(
                    .incompatible,
                    "set \(id) was encrypted with key \(parsed.keyId), which also signed it; \(keys.describe(BackupKeys.encryptionSetting))"
                        + (keys.encryption == nil ? ": set \(BackupKeys.encryptionSetting) to the file holding that key" : "")
                )
            } else {
                unsigned = "it was signed with key \(parsed.keyId) from \(parsed.key), and \(keys.describe(BackupKeys.signingSetting))"
            }
        } else if !keys.isEmpty {
            unsigned = "it has no signature (\(ManifestSignature.fileName))"
        }
        let manifest: BackupManifest
        do {
            manifest = try BackupManifest.decode(data, source: "\(BackupManifest.fileName) of set \(id)")
        } catch {
            // An unsigned manifest that doesn't even parse: the missing signature is what the operator must hear about.
            if let unsigned, !waivers.allowUnsigned { throw refusal(id, [(unsigned, "--allow-unsigned")]) }
            throw error
        }
        guard manifest.id == id else {
            throw BackupError(
                .integrity,
                "set \(id) holds the manifest of set \(manifest.id): the set was renamed, or its manifest was copied from another set. "
                    + "If you renamed it yourself, give it back its name \(manifest.id)"
            )
        }
        // Names become paths of downloads and decrypted copies: only the files a set can hold.
        let names = manifest.files.map(\.name)
        guard names.allSatisfy(setFileNames.contains), Set(names).count == names.count else {
            throw BackupError(
                .integrity,
                "\(BackupManifest.fileName) of set \(id) lists files \(names); a set holds only \(setFileNames.sorted().joined(separator: " and ")), once each"
            )
        }
        var missing: [(reason: String, flag: String, kind: String)] = []
        if var unsigned {
            if manifest.format < 2 { unsigned += " (manifest format \(manifest.format): made by a Nomaly from before sets were signed)" }
            missing.append((unsigned, "--allow-unsigned", "unsigned"))
        }
        if keys.encryption != nil, manifest.encryption == nil {
            missing.append(("it is not encrypted, but \(BackupKeys.encryptionSetting) is set", "--allow-unencrypted", "unencrypted"))
        }
        let refused = missing.filter { $0.kind == "unsigned" ? !waivers.allowUnsigned : !waivers.allowUnencrypted }
        guard refused.isEmpty else { throw refusal(id, refused.map { ($0.reason, $0.flag) }) }
        var waived = missing.map { SetAuthentication.Waiver(kind: $0.kind, reason: $0.reason) }
        if manifest.format < 2, manifest.encryption != nil, let index = waived.firstIndex(where: { $0.kind == "unsigned" }) {
            waived[index] = .init(kind: "unsigned", reason: waived[index].reason + "; its encrypted files are not bound to their set")
        }
        return (manifest, SetAuthentication(signedWith: signedWith, waived: waived))
    }

    static let setFileNames: Set = [DatabaseDump.fileName, ArtifactBundle.fileName]

    /// Reads `manifest.json` and `manifest.json.sig` in `folder`, each refused unread past its size limit, and decides
    /// as above. Blocking.
    /// - Returns: also the sha256 of the manifest bytes accepted, which is what the set's row recorded: the file is
    ///   never read again, so what is compared is what was authenticated.
    static func authenticate(
        folder: String,
        expected id: BackupSetID,
        keys: BackupKeys,
        waivers: BackupWaivers
    ) throws(BackupError) -> (manifest: BackupManifest, authentication: SetAuthentication, sha256: String) {
        let manifestPath = folder + "/" + BackupManifest.fileName
        guard let data = try BackupManifest.readBytes(at: manifestPath) else {
            throw BackupError(.notFound, "cannot read \(manifestPath): there is no such file")
        }
        let signature = try SetFileReading.contents(
            of: folder + "/" + ManifestSignature.fileName,
            limit: ManifestSignature.maximumSize,
            what: "bytes a signature may have"
        )
        let accepted = try authenticate(manifest: data, signature: signature, expected: id, keys: keys, waivers: waivers)
        return (accepted.manifest, accepted.authentication, sha256(data))
    }

    static func sha256(_ data: Data) -> String { ChunkedCipher.hex(SHA256.hash(data: data)) }

    private static func refusal(_ id: BackupSetID, _ reasons: [(reason: String, flag: String)]) -> BackupError {
        BackupError(
            .refused,
            "set \(id) is refused: " + reasons.map(\.reason).joined(separator: "; and ")
                + ". Anyone who can write to the backup folder or the bucket can leave such a set, and a restored dump can queue "
                + "job runs that the scheduler executes. If you know this set is yours (made before the key was configured, or "
                + "by an earlier Nomaly), run again with " + reasons.map(\.flag).joined(separator: " ")
        )
    }
}

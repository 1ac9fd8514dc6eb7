import Crypto
import Foundation
import Testing

@testable import Backup

/// The decisions of ``SetAuthenticator``, without I/O: which sets are accepted, which are refused and with what.
@Suite("SetAuthenticator decides which manifests to trust")
struct SetAuthenticatorTests {
    let encryption = try! EncryptionKey(bytes: Array(0..<32))
    let otherEncryption = try! EncryptionKey(bytes: Array(32..<64))
    let signing = try! EncryptionKey(bytes: Array(64..<96))
    let otherSigning = try! EncryptionKey(bytes: Array(96..<128))
    let id = BackupSetID("20261203_010000")!

    func manifest(id: String = "20261203_010000", encrypted: Bool, format: Int = 2, files: [String] = ["database.dump"]) -> Data {
        let manifest = BackupManifest(
            format: format,
            id: BackupSetID(id)!,
            kind: .database,
            createdAt: Date(timeIntervalSince1970: 1_796_000_000),
            finishedAt: Date(timeIntervalSince1970: 1_796_000_060),
            nomalyVersion: "test",
            postgres: nil,
            encryption: encrypted ? .init(algorithm: "AES-256-GCM", chunkSize: 1 << 20, keyId: encryption.id) : nil,
            files: files.map { .init(name: $0, size: 10, sha256: String(repeating: "0", count: 64), contentSize: nil, contentSha256: nil) },
            rowCounts: [.init(table: "public.models", rows: 2)],
            artifacts: nil
        )
        return try! manifest.encoded()
    }

    func signature(_ data: Data, _ key: EncryptionKey, _ setting: String) -> Data {
        try! ManifestSignature(signing: data, with: key, setting: setting).encoded()
    }

    func decide(
        _ data: Data,
        signature: Data? = nil,
        encryption: EncryptionKey? = nil,
        signing: EncryptionKey? = nil,
        waivers: BackupWaivers = .none
    ) throws(BackupError) -> SetAuthentication {
        try SetAuthenticator.authenticate(
            manifest: data,
            signature: signature,
            expected: id,
            keys: BackupKeys(encryption: encryption, signing: signing),
            waivers: waivers
        ).authentication
    }

    func expectError(
        _ code: BackupError.Code,
        _ texts: [String],
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> SetAuthentication
    ) {
        do {
            let accepted = try body()
            Issue.record("expected a \(code) error, but it was accepted: \(accepted)", sourceLocation: sourceLocation)
        } catch let error as BackupError {
            #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
            for text in texts { #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("expected a BackupError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("the derived keys and a signature match an independent HKDF and HMAC (Python's hmac module)")
    func derivations() throws {
        #expect(encryption.id == "8d063362646c2d71")
        #expect(encryption.chunkKey.withUnsafeBytes { ChunkedCipher.hex($0) } == "4bb28df63fe98dc805f961771b5a52df1bd043e7db5c6e3da085c580d26f23b7")
        #expect(encryption.signingKey.withUnsafeBytes { ChunkedCipher.hex($0) } == "d7a88fd7e4e7d9186ef05ef57ac63dfa90a5bee1fae8e84d3eeb28b302d7e80b")
        let signature = ManifestSignature(signing: Data("{\"id\":\"x\"}".utf8), with: encryption, setting: BackupKeys.encryptionSetting)
        #expect(signature.hmac == "b9b7d8f5eb86f4c5a6538ceb9642d06098b9041a5c29e9da9f16d3d786b76ed7")
        #expect(signature.keyId == encryption.id && signature.key == "ENCRYPTION_KEY_FILE" && signature.algorithm == "HMAC-SHA256")
    }

    @Test("signed sets are accepted with the key that signed them, from either setting")
    func signedSets() throws {
        let encrypted = manifest(encrypted: true)
        let accepted = try decide(encrypted, signature: signature(encrypted, encryption, "ENCRYPTION_KEY_FILE"), encryption: encryption)
        #expect(accepted == SetAuthentication(signedWith: encryption.id, waived: []))
        let plain = manifest(encrypted: false)
        let bySigningKey = try decide(plain, signature: signature(plain, signing, "NOMALY_BACKUP_SIGNING_KEY_FILE"), signing: signing)
        #expect(bySigningKey == SetAuthentication(signedWith: signing.id, waived: []))
        // Both keys configured: an older unencrypted set signed with the signing key still checks.
        let both = try decide(
            plain,
            signature: signature(plain, signing, "NOMALY_BACKUP_SIGNING_KEY_FILE"),
            signing: signing,
            waivers: .init(allowUnencrypted: true)
        )
        #expect(both.signedWith == signing.id)
    }

    @Test("without any key, an unsigned set is read as before")
    func noKeys() throws {
        #expect(try decide(manifest(encrypted: false)) == .unchecked)
    }

    @Test("one changed byte, or a changed signature, is refused whatever the waivers")
    func tampered() throws {
        let data = manifest(encrypted: true)
        let signed = signature(data, encryption, "ENCRYPTION_KEY_FILE")
        var changed = data
        let index = try #require(changed.firstIndex(of: UInt8(ascii: "2")))
        changed[index] = UInt8(ascii: "3")
        let all = BackupWaivers(allowUnencrypted: true, allowUnsigned: true)
        expectError(.integrity, ["manifest.json of set 20261203_010000 does not match its signature", encryption.id]) {
            try decide(changed, signature: signed, encryption: encryption, waivers: all)
        }
        var forged = try BackupManifest.decoder.decode(ManifestSignature.self, from: signed)
        forged.hmac = String(forged.hmac.reversed())
        expectError(.integrity, ["does not match its signature"]) {
            try decide(data, signature: try! forged.encoded(), encryption: encryption, waivers: all)
        }
        forged.hmac = "zz"
        expectError(.integrity, ["does not match its signature"]) {
            try decide(data, signature: try! forged.encoded(), encryption: encryption, waivers: all)
        }
        expectError(.integrity, ["manifest.json.sig of set 20261203_010000 is not a readable signature"]) {
            try decide(data, signature: Data("{".utf8), encryption: encryption, waivers: all)
        }
        forged.algorithm = "MD5"
        expectError(.integrity, ["uses MD5"]) { try decide(data, signature: try! forged.encoded(), encryption: encryption, waivers: all) }
    }

    @Test("a set signed with another key says so, rather than calling it tampered")
    func anotherKey() throws {
        let encrypted = manifest(encrypted: true)
        let byEncryption = signature(encrypted, encryption, "ENCRYPTION_KEY_FILE")
        expectError(
            .incompatible,
            ["was encrypted with key \(encryption.id), which also signed it; ENCRYPTION_KEY_FILE holds key \(otherEncryption.id)"]
        ) {
            try decide(encrypted, signature: byEncryption, encryption: otherEncryption, waivers: .init(allowUnsigned: true))
        }
        expectError(.incompatible, ["ENCRYPTION_KEY_FILE is not set: set ENCRYPTION_KEY_FILE to the file holding that key"]) {
            try decide(encrypted, signature: byEncryption)
        }
        let plain = manifest(encrypted: false)
        let bySigning = signature(plain, signing, "NOMALY_BACKUP_SIGNING_KEY_FILE")
        let message =
            "it was signed with key \(signing.id) from NOMALY_BACKUP_SIGNING_KEY_FILE, and NOMALY_BACKUP_SIGNING_KEY_FILE holds key \(otherSigning.id)"
        expectError(.refused, [message, "--allow-unsigned"]) { try decide(plain, signature: bySigning, signing: otherSigning) }
        expectError(.refused, ["NOMALY_BACKUP_SIGNING_KEY_FILE is not set", "--allow-unsigned"]) { try decide(plain, signature: bySigning) }
        let waived = try decide(plain, signature: bySigning, signing: otherSigning, waivers: .init(allowUnsigned: true))
        #expect(waived.signedWith == nil)
        #expect(waived.waived == [.init(kind: "unsigned", reason: message)])
    }

    @Test("with ENCRYPTION_KEY_FILE set, a plaintext set needs --allow-unencrypted and an unsigned one --allow-unsigned")
    func missingProtections() throws {
        let plain = manifest(encrypted: false)
        expectError(
            .refused,
            [
                "it has no signature (manifest.json.sig); and it is not encrypted, but ENCRYPTION_KEY_FILE is set",
                "--allow-unsigned --allow-unencrypted",
            ]
        ) {
            try decide(plain, encryption: encryption)
        }
        expectError(.refused, ["it has no signature", "run again with --allow-unsigned"]) {
            try decide(plain, encryption: encryption, waivers: .init(allowUnencrypted: true))
        }
        expectError(.refused, ["it is not encrypted", "run again with --allow-unencrypted"]) {
            try decide(plain, encryption: encryption, waivers: .init(allowUnsigned: true))
        }
        let accepted = try decide(plain, encryption: encryption, waivers: .init(allowUnencrypted: true, allowUnsigned: true))
        #expect(accepted.waived.map(\.kind) == ["unsigned", "unencrypted"])
        // Signed with the signing key, but still plaintext while an encryption key is configured.
        let signed = signature(plain, signing, "NOMALY_BACKUP_SIGNING_KEY_FILE")
        expectError(.refused, ["it is not encrypted", "run again with --allow-unencrypted"]) {
            try decide(plain, signature: signed, encryption: encryption, signing: signing)
        }
        // Only a signing key: encryption is not demanded, a signature is.
        expectError(.refused, ["it has no signature", "run again with --allow-unsigned"]) { try decide(plain, signing: signing) }
        let encrypted = manifest(encrypted: true)
        expectError(.refused, ["it has no signature"]) { try decide(encrypted, encryption: encryption) }
    }

    @Test("a format-1 set is named as such, and its waiver says its files are not bound")
    func formatOne() throws {
        let legacy = manifest(encrypted: true, format: 1)
        expectError(.refused, ["manifest format 1: made by a Nomaly from before sets were signed", "--allow-unsigned"]) {
            try decide(legacy, encryption: encryption)
        }
        let accepted = try decide(legacy, encryption: encryption, waivers: .init(allowUnsigned: true))
        #expect(accepted.waived.first?.reason.hasSuffix("its encrypted files are not bound to their set") == true)
        #expect(try decide(manifest(encrypted: false, format: 1)) == .unchecked)
    }

    @Test("the set must be the one its manifest names, signed or not")
    func renamed() throws {
        let other = manifest(id: "20261202_010000", encrypted: true)
        expectError(.integrity, ["set 20261203_010000 holds the manifest of set 20261202_010000", "renamed"]) {
            try decide(other, signature: signature(other, encryption, "ENCRYPTION_KEY_FILE"), encryption: encryption)
        }
        expectError(.integrity, ["holds the manifest of set 20261202_010000"]) { try decide(manifest(id: "20261202_010000", encrypted: false)) }
    }

    @Test("a manifest may list only the files a set holds, once each")
    func fileNames() throws {
        for files in [["../../etc/cron.d/x"], ["database.dump", "database.dump"], ["manifest.json"]] {
            expectError(.integrity, ["a set holds only database.dump and models.tar.gz, once each"]) {
                try decide(manifest(encrypted: false, files: files))
            }
        }
        #expect(try decide(manifest(encrypted: false, files: ["database.dump", "models.tar.gz"])) == .unchecked)
    }

    @Test("an unsigned manifest that does not parse is refused as unsigned while a key is configured")
    func unreadableUnsigned() throws {
        expectError(.refused, ["it has no signature"]) { try decide(Data("not json".utf8), signing: signing) }
        expectError(.integrity, ["is not a readable backup manifest"]) { try decide(Data("not json".utf8)) }
    }
}

import Backup
import BackupFixtures
import Crypto
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Sets of manifest format 1 and sets signed with NOMALY_BACKUP_SIGNING_KEY_FILE (real Postgres)")
struct SetFormatTests {
    let keys: TemporaryFolder
    let keyFile: String
    let signingKeyFile: String
    let otherSigningKeyFile: String

    init() throws {
        keys = try TemporaryFolder("nomaly-key")
        keyFile = try keys.file("key", String(repeating: "3c", count: 32))
        signingKeyFile = try keys.file("signing", String(repeating: "5e", count: 32))
        otherSigningKeyFile = try keys.file("other-signing", String(repeating: "6f", count: 32))
    }

    @Test("a format-1 set (made before sets were signed) is refused while a key is configured, and restores with --allow-unsigned")
    func formatOneSet() async throws {
        try await BackupHarness.with(keyFile: keyFile) { harness in
            try await harness.populate()
            let tablesBefore = try await harness.tableChecksums()
            let made = try await BackupCreator(harness.environment).create(.init(scope: .full))
            let legacy = try Self.downgradeToFormatOne(made, in: harness.environment.setPath(made.id), keyBytes: Array(repeating: 0x3C, count: 32))
            try await harness.pool.execute("UPDATE backups SET sha256 = NULL WHERE id = $1", [made.id.value])

            let tables = try await harness.tableChecksums()
            await expectBackupError(.refused, "manifest format 1: made by a Nomaly from before sets were signed", "--allow-unsigned") {
                try await BackupVerifier(harness.environment).verify(made.id)
            }
            #expect(try await harness.tableChecksums() == tables)

            let waivers = BackupWaivers(allowUnsigned: true, actor: "cli:test")
            let report = try await BackupVerifier(harness.environment).verify(made.id, restoreTest: true, waivers: waivers)
            #expect(report.decrypted && report.dumpRead && report.waived == ["unsigned"])
            #expect(report.restoreTestTables == legacy.rowCounts.count)

            try await harness.destroyEverything()
            let restored = try await BackupRestorer(harness.environment).restore(
                made.id,
                .init(scope: .full, confirmed: true, migrations: try harness.migrations(), waivers: waivers)
            )
            #expect(restored.artifactsRestored == 3 && restored.waived == ["unsigned"])
            var after = try await harness.tableChecksums()
            var expected = tablesBefore
            for table in ["backups", "audit_log"] {
                after.removeValue(forKey: table)
                expected.removeValue(forKey: table)
            }
            #expect(after == expected)
            // Restored into an empty database: the entry is written once the database exists again.
            #expect(try await harness.waiverAudits().map(\.target) == [made.id.value])
        }
    }

    @Test("NOMALY_BACKUP_SIGNING_KEY_FILE signs unencrypted sets, and a set signed with another key needs --allow-unsigned")
    func signingKey() async throws {
        try await BackupHarness.with(signingKeyFile: signingKeyFile) { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            #expect(manifest.encryption == nil && manifest.format == 2)
            let folder = harness.environment.setPath(manifest.id)
            let signature = try String(contentsOfFile: folder + "/manifest.json.sig", encoding: .utf8)
            let signingID = try EncryptionKey(fileAt: signingKeyFile).id
            #expect(signature.contains("\"key\" : \"NOMALY_BACKUP_SIGNING_KEY_FILE\"") && signature.contains(signingID))
            #expect(try await BackupVerifier(harness.environment).verify(manifest.id).signedWith == signingID)
            #expect(try await BackupSets(harness.environment).list().first?.signed == true)

            var rotated = harness.environment
            rotated.signingKeyFile = otherSigningKeyFile
            await expectBackupError(.refused, "signed with key \(signingID) from NOMALY_BACKUP_SIGNING_KEY_FILE", "--allow-unsigned") {
                try await BackupVerifier(rotated).verify(manifest.id)
            }
            let waived = try await BackupVerifier(rotated).verify(manifest.id, waivers: .init(allowUnsigned: true, actor: "cli:test"))
            #expect(waived.signedWith == nil && waived.waived == ["unsigned"])

            // Encryption turned on later: the old signature still checks, but the set is plaintext.
            var encrypted = harness.environment
            encrypted.encryptionKeyFile = keyFile
            await expectBackupError(.refused, "it is not encrypted", "run again with --allow-unencrypted") {
                try await BackupVerifier(encrypted).verify(manifest.id)
            }
            let accepted = try await BackupVerifier(encrypted).verify(manifest.id, waivers: .init(allowUnencrypted: true, actor: "cli:test"))
            #expect(accepted.signedWith == signingID && accepted.waived == ["unencrypted"])
            #expect(try await harness.waiverAudits().count == 2)
        }
    }

    @Test("without any key, sets are made unsigned and read as before")
    func noKeys() async throws {
        try await BackupHarness.with { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            #expect(!FileManager.default.fileExists(atPath: harness.environment.setPath(manifest.id) + "/manifest.json.sig"))
            let report = try await BackupVerifier(harness.environment).verify(manifest.id)
            #expect(report.signedWith == nil && report.waived.isEmpty)
            #expect(try await BackupSets(harness.environment).list().first?.signed == false)
        }
    }

    /// Rewrites a format-2 encrypted set the way Nomaly wrote sets before format 2: files in encryption format 1
    /// (no binding, the key used as is), manifest format 1, no signature.
    static func downgradeToFormatOne(_ manifest: BackupManifest, in folder: String, keyBytes: [UInt8]) throws -> BackupManifest {
        let key = try EncryptionKey(bytes: keyBytes)
        var legacy = manifest
        legacy.format = 1
        for (index, entry) in manifest.files.enumerated() {
            let path = folder + "/" + entry.name
            let binding = SetFileBinding(setID: manifest.id.value, fileName: entry.name)
            _ = try EncryptedFile.decrypt(from: path, to: path + ".plain", key: key, binding: binding)
            let plain = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".plain")))
            try FileManager.default.removeItem(atPath: path + ".plain")
            let stored = try EncryptionFixture.encryptFormat1(plain, keyBytes: keyBytes, chunkSize: ChunkEncryptor.defaultChunkSize)
            try Data(stored).write(to: URL(fileURLWithPath: path))
            legacy.files[index].size = Int64(stored.count)
            legacy.files[index].sha256 = SHA256.hash(data: stored).map { String(format: "%02x", $0) }.joined()
        }
        try legacy.encoded().write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        try FileManager.default.removeItem(atPath: folder + "/manifest.json.sig")
        return legacy
    }
}

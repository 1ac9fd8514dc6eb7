import Backup
import BackupFixtures
import Foundation
import ObjectStore
import Postgres
import TestSupport
import Testing

/// The four attacks of issue 16 item 3, by someone who can write to the backup folder or the bucket but holds no key:
/// each is refused by verify and restore with a message naming what failed, and nothing in the database changes.
@Suite("Backup sets are authenticated as a set (real Postgres, pg_dump, pg_restore)")
struct SetAuthenticationTests {
    /// Removed when the test ends.
    let keys: TemporaryFolder
    let keyFile: String

    init() throws {
        keys = try TemporaryFolder("nomaly-key")
        keyFile = try keys.file("key", String(repeating: "3c", count: 32))
    }

    @Test("a planted plaintext set is refused while ENCRYPTION_KEY_FILE is set")
    func plantedPlaintextSet() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            // What a planted dump would carry: a run whose spec the scheduler would execute.
            try await harness.pool.execute("INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('planted', 'command', '@daily', 'x')")
            let planted = try await BackupCreator(harness.environment).create(.init(scope: .database))
            try await harness.pool.execute("DELETE FROM jobs WHERE name = 'planted'")
            // The attacker wrote the folder, not the database: no row records the set.
            try await harness.pool.execute("DELETE FROM backups WHERE id = $1", [planted.id.value])
            var environment = harness.environment
            environment.encryptionKeyFile = keyFile
            try await expectRefusedEverywhere(
                harness,
                environment: environment,
                id: planted.id,
                .refused,
                "set \(planted.id) is refused: it has no signature",
                "it is not encrypted, but ENCRYPTION_KEY_FILE is set",
                "--allow-unsigned --allow-unencrypted"
            )
            // One waiver is not enough.
            try await expectRefusedEverywhere(
                harness,
                environment: environment,
                id: planted.id,
                waivers: .init(allowUnencrypted: true, actor: "cli:test"),
                .refused,
                "run again with --allow-unsigned"
            )
            #expect(try await harness.waiverAudits().isEmpty, "a refusal writes nothing")

            // The operator knows the set: both waivers, logged and audited, and it restores.
            let waivers = BackupWaivers(allowUnencrypted: true, allowUnsigned: true, actor: "cli:test")
            let report = try await BackupVerifier(environment).verify(planted.id, waivers: waivers)
            #expect(report.waived == ["unsigned", "unencrypted"])
            #expect(report.signedWith == nil)
            let audited = try await harness.waiverAudits()
            #expect(audited.count == 1)
            #expect(audited.first?.actor == "cli:test" && audited.first?.target == planted.id.value)
            #expect(audited.first?.details.contains("\"operation\": \"verify\"") == true, "\(audited)")
            #expect(audited.first?.details.contains("\"waived\": [\"unsigned\", \"unencrypted\"]") == true, "\(audited)")
            let restored = try await BackupRestorer(environment).restore(
                planted.id,
                .init(scope: .database, confirmed: true, migrations: try harness.migrations(), waivers: waivers)
            )
            #expect(restored.waived == ["unsigned", "unencrypted"])
            #expect(try await harness.pool.query("SELECT count(*) FROM jobs WHERE name = 'planted'").first!.decode(Int.self) == 1)
            // The restore replaced audit_log with the set's (which had no waiver yet), and wrote the restore's again.
            let afterRestore = try await harness.waiverAudits()
            #expect(afterRestore.count == 1)
            #expect(afterRestore.first?.details.contains("\"operation\": \"restore\"") == true, "\(afterRestore)")
        }
    }

    @Test("a manifest with one byte changed is refused")
    func manifestByteChanged() async throws {
        try await BackupHarness.with(keyFile: keyFile) { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            // As for a set fetched from the bucket by a database that has no row for it.
            try await harness.pool.execute("UPDATE backups SET sha256 = NULL WHERE id = $1", [manifest.id.value])
            let path = harness.environment.setPath(manifest.id) + "/manifest.json"
            var text = try String(contentsOfFile: path, encoding: .utf8)
            let models = try #require(text.range(of: "\"table\" : \"public.models\""))
            let rows = try #require(text.range(of: "\"rows\" : 2", options: .backwards, range: text.startIndex..<models.lowerBound))
            text.replaceSubrange(rows, with: "\"rows\" : 3")
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            try await expectRefusedEverywhere(harness, environment: harness.environment, id: manifest.id, .integrity, "manifest.json", "signature")
        }
    }

    @Test("a file copied from an older set is refused, naming the file")
    func fileFromOlderSet() async throws {
        try await BackupHarness.with(keyFile: keyFile) { harness in
            try await harness.populate()
            let older = try await BackupCreator(harness.environment).create(.init(scope: .database))
            try await harness.pool.execute("INSERT INTO api_tokens (name, role, token_sha256) VALUES ('later', 'viewer', repeat('c', 64))")
            let newer = try await BackupCreator(harness.environment).create(.init(scope: .database), now: { older.id.date.addingTimeInterval(60) })
            let newerFolder = harness.environment.setPath(newer.id)
            try FileManager.default.removeItem(atPath: newerFolder + "/database.dump")
            try FileManager.default.copyItem(atPath: harness.environment.setPath(older.id) + "/database.dump", toPath: newerFolder + "/database.dump")
            try await expectRefusedEverywhere(harness, environment: harness.environment, id: newer.id, .integrity, newerFolder + "/database.dump")

            // The attacker also rewrites the manifest to describe the copied file, as a set in the bucket allows.
            var rewritten = newer
            rewritten.files[0] = older.files[0]
            try rewritten.encoded().write(to: URL(fileURLWithPath: newerFolder + "/manifest.json"))
            try await harness.pool.execute("UPDATE backups SET sha256 = NULL WHERE id = $1", [newer.id.value])
            try await expectRefusedEverywhere(harness, environment: harness.environment, id: newer.id, .integrity, "manifest.json", "signature")

            // Without a signature and with --allow-unsigned, the file itself still names the set it belongs to.
            try FileManager.default.removeItem(atPath: newerFolder + "/manifest.json.sig")
            try await expectRefusedEverywhere(
                harness,
                environment: harness.environment,
                id: newer.id,
                waivers: .init(allowUnsigned: true, actor: "cli:test"),
                .integrity,
                newerFolder + "/database.dump",
                "written as database.dump of set \(older.id), not as database.dump of set \(newer.id)"
            )
        }
    }

    @Test("a renamed set is refused, naming both ids")
    func renamedSet() async throws {
        try await BackupHarness.with(keyFile: keyFile) { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            // Renamed a day later, so that it passes for a newer set than it is.
            let renamed = BackupSetID(date: manifest.id.date.addingTimeInterval(86_400))
            try FileManager.default.moveItem(atPath: harness.environment.setPath(manifest.id), toPath: harness.environment.setPath(renamed))
            try await expectRefusedEverywhere(
                harness,
                environment: harness.environment,
                id: renamed,
                .integrity,
                "set \(renamed) holds the manifest of set \(manifest.id)"
            )

            // The manifest renamed too: its signature fails, and without one the files still name their set.
            var relabelled = manifest
            relabelled.id = renamed
            let folder = harness.environment.setPath(renamed)
            try relabelled.encoded().write(to: URL(fileURLWithPath: folder + "/manifest.json"))
            try await expectRefusedEverywhere(harness, environment: harness.environment, id: renamed, .integrity, "does not match its signature")
            try FileManager.default.removeItem(atPath: folder + "/manifest.json.sig")
            try await expectRefusedEverywhere(
                harness,
                environment: harness.environment,
                id: renamed,
                waivers: .init(allowUnsigned: true, actor: "cli:test"),
                .integrity,
                "written as database.dump of set \(manifest.id), not as database.dump of set \(renamed)"
            )
        }
    }

    @Test("a set renamed in the bucket is refused, and a signed set is checked after its download")
    func renamedInBucket() async throws {
        try await BackupHarness.with(remote: true, keyFile: keyFile) { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            try await BackupUploader(harness.environment).upload([manifest.id])
            try FileManager.default.removeItem(atPath: harness.environment.setPath(manifest.id))
            let report = try await BackupVerifier(harness.environment).verify(manifest.id)
            #expect(report.signedWith == manifest.encryption?.keyId)

            // Every object copied under the prefix of a later id, as someone with write access to the bucket can.
            let remote = try #require(harness.environment.remote)
            let renamed = BackupSetID(date: manifest.id.date.addingTimeInterval(86_400))
            let copies = try TemporaryFolder("nomaly-copies")
            for name in ["database.dump", "manifest.json.sig", "manifest.json"] {
                try await remote.store.get(key: remote.key(manifest.id, file: name), to: copies.path + "/" + name, progress: nil)
                try await remote.store.put(file: copies.path + "/" + name, key: remote.key(renamed, file: name), progress: nil)
            }
            try await expectRefusedEverywhere(
                harness,
                environment: harness.environment,
                id: renamed,
                .integrity,
                "set \(renamed) holds the manifest of set \(manifest.id)"
            )

            // The signature deleted from the bucket: the set is unsigned, which a configured key refuses.
            try await remote.store.delete(key: remote.key(manifest.id, file: "manifest.json.sig"))
            try await expectRefusedEverywhere(harness, environment: harness.environment, id: manifest.id, .refused, "it has no signature")
        }
    }
}

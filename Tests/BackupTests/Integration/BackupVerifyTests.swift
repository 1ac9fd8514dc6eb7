import Backup
import BackupFixtures
import Foundation
import Postgres
import Processes
import TestSupport
import Testing

@Suite("Verifying backup sets (real pg_restore)")
struct BackupVerifyTests {
    @Test("verify detects one flipped byte in each file of a plain set")
    func flippedBytePlain() async throws {
        try await BackupHarness.with { harness in
            try await expectEveryFlipDetected(harness)
        }
    }

    @Test("verify detects one flipped byte in each file of an encrypted set")
    func flippedByteEncrypted() async throws {
        let keys = try TemporaryFolder("nomaly-key")
        let keyFile = try keys.file("key", String(repeating: "5a", count: 32))
        try await BackupHarness.with(keyFile: keyFile) { harness in
            try await expectEveryFlipDetected(harness)
        }
    }

    private func expectEveryFlipDetected(_ harness: BackupHarness) async throws {
        try await harness.populate()
        let manifest = try await BackupCreator(harness.environment).create(.init(scope: .full))
        let folder = harness.environment.setPath(manifest.id)
        for name in manifest.files.map(\.name) + [BackupManifest.fileName] {
            let path = folder + "/" + name
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            // Past any header, in the middle of the content.
            try flipByte(in: path, at: original.count * 2 / 3)
            await expectBackupError(.integrity) {
                try await BackupVerifier(harness.environment).verify(manifest.id)
            }
            try original.write(to: URL(fileURLWithPath: path))
        }
        let report = try await BackupVerifier(harness.environment).verify(manifest.id, restoreTest: true)
        #expect(report.dumpRead)
        #expect(report.restoreTestTables == manifest.rowCounts.count)
        #expect(report.decrypted == (manifest.encryption != nil))
    }

    @Test("a dump cut to half its size fails the full read even when its digest was rewritten to match")
    func truncatedDump() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            // Enough data that half the dump is rows, past its table of contents.
            try await harness.pool.execute(
                "INSERT INTO audit_log (actor, action, details) SELECT 'load', 'test', jsonb_build_object('n', n, 'pad', md5(n::text)) FROM generate_series(1, 20000) n"
            )
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let folder = harness.environment.setPath(manifest.id)
            let dump = folder + "/database.dump"
            let data = try Data(contentsOf: URL(fileURLWithPath: dump))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: dump))
            // What a truncation before hashing would look like: the manifest agrees with the damaged file.
            var damaged = manifest
            damaged.files[0].size = Int64(data.count / 2)
            damaged.files[0].sha256 = try sha256sum(dump)
            try damaged.encoded().write(to: URL(fileURLWithPath: folder + "/manifest.json"))
            try await harness.pool.execute("UPDATE backups SET sha256 = NULL WHERE id = $1", [manifest.id.value])
            // pg_restore --list reads only the table of contents, and passes.
            let server = try await harness.pool.query("SELECT current_setting('server_version_num')::int / 10000").first!.decode(Int.self)
            let listing = try await NomalyProcess.collect(try .spawn(["/usr/lib/postgresql/\(server)/bin/pg_restore", "--list", dump]))
            #expect(listing.status == 0)
            await expectBackupError(.tool, "pg_restore") {
                try await BackupVerifier(harness.environment).verify(manifest.id)
            }
        }
    }

    @Test("a restore test into a scratch database notices rows missing from the dump, and drops the scratch database")
    func restoreTestComparesCounts() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            var lying = manifest
            let index = try #require(lying.rowCounts.firstIndex { $0.table == "public.models" })
            lying.rowCounts[index].rows += 1
            try lying.encoded().write(to: URL(fileURLWithPath: harness.environment.setPath(manifest.id) + "/manifest.json"))
            try await harness.pool.execute("UPDATE backups SET sha256 = NULL WHERE id = $1", [manifest.id.value])
            await expectBackupError(.integrity, "public.models: 2 rows, manifest says 3") {
                try await BackupVerifier(harness.environment).verify(manifest.id, restoreTest: true)
            }
            let leftovers = try await harness.pool.query(
                "SELECT count(*) FROM pg_database WHERE starts_with(datname, $1)",
                [harness.scratch.name + "_restore_test_"]
            ).first!.decode(Int.self)
            #expect(leftovers == 0)
        }
    }

    @Test("an encrypted set needs its key: none, or another one, is a clear error")
    func wrongKey() async throws {
        let keys = try TemporaryFolder("nomaly-key")
        let right = try keys.file("right", String(repeating: "11", count: 32))
        let wrong = try keys.file("wrong", String(repeating: "22", count: 32))
        try await BackupHarness.with(keyFile: right) { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            var environment = harness.environment
            environment.encryptionKeyFile = wrong
            await expectBackupError(.incompatible, "was encrypted with key \(manifest.encryption!.keyId)") {
                try await BackupVerifier(environment).verify(manifest.id)
            }
            environment.encryptionKeyFile = nil
            await expectBackupError(.incompatible, "set ENCRYPTION_KEY_FILE") {
                try await BackupVerifier(environment).verify(manifest.id)
            }
        }
    }
}

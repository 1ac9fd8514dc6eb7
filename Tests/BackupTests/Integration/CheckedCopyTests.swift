import BackupFixtures
import Foundation
import Postgres
import Registry
import TestSupport
import Testing

@testable import Backup

/// Issue 16 review, item 2: someone who can write to the backup folder swaps a file after verify and restore checked
/// it. What pg_restore reads and what the artifact store receives must still be the bytes that were checked.
@Suite("What was checked is what is restored (real Postgres, pg_dump, pg_restore)")
struct CheckedCopyTests {
    /// Removed when the test ends.
    let keys: TemporaryFolder
    let signingKeyFile: String
    let encryptionKeyFile: String

    init() throws {
        keys = try TemporaryFolder("nomaly-key")
        signingKeyFile = try keys.file("signing", String(repeating: "4d", count: 32))
        encryptionKeyFile = try keys.file("encryption", String(repeating: "7e", count: 32))
    }

    @Test("verify reads whole the dump it checked, not garbage renamed into a local signed set after the check")
    func garbageSwappedAfterVerifyCheck() async throws {
        try await BackupHarness.with(signingKeyFile: signingKeyFile) { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let dump = harness.environment.setPath(manifest.id) + "/database.dump"
            let garbage = try harness.folder.data("garbage.dump", Data(repeating: 0x47, count: 4096))
            var environment = harness.environment
            environment.hooks.afterFilesChecked = { _, _ in try Self.replace(dump, with: garbage) }
            let report = try await BackupVerifier(environment).verify(manifest.id)
            #expect(report.dumpRead && report.signedWith != nil)
            #expect(try sha256sum(dump) == sha256sum(garbage), "the swap did happen")
        }
    }

    @Test("a dump renamed into a local signed set after its check is not what is restored")
    func dumpSwappedAfterRestoreCheck() async throws {
        try await BackupHarness.with(signingKeyFile: signingKeyFile) { harness in
            try await harness.populate()
            let (checked, planted) = try await twoSets(harness, scope: .database)
            let dump = harness.environment.setPath(checked.id) + "/database.dump"
            let plantedDump = harness.environment.setPath(planted.id) + "/database.dump"
            // The restore waits for running runs between its check and pg_restore: minutes to swap the file.
            var environment = harness.environment
            environment.hooks.afterFilesChecked = { _, _ in try Self.replace(dump, with: plantedDump) }
            let expected = try await harness.tableChecksums()
            _ = try await BackupRestorer(environment).restore(
                checked.id,
                .init(scope: .database, confirmed: true, migrations: try harness.migrations())
            )
            #expect(try await plantedJobs(harness) == 0, "the swapped dump was restored")
            var restored = try await harness.tableChecksums()
            var before = expected
            for table in ["backups", "audit_log"] {
                restored.removeValue(forKey: table)
                before.removeValue(forKey: table)
            }
            #expect(restored == before)
            #expect(try sha256sum(dump) == planted.files[0].sha256, "the swap did happen")
        }
    }

    @Test("a models.tar.gz renamed into a local set after its check adds nothing to the restored artifacts")
    func bundleSwappedAfterCheck() async throws {
        try await BackupHarness.with(signingKeyFile: signingKeyFile) { harness in
            try await harness.populate()
            let checked = try await BackupCreator(harness.environment).create(.init(scope: .models))
            // A newer set whose tarball holds one more artifact; its version is deleted again, so no live version
            // brings that artifact back on its own.
            let path = try await ModelFactory.artifact(in: harness.folder, seed: 99)
            let extra = try await harness.registry.register(model: "fraud", artifact: path, actor: "test")
            let planted = try await BackupCreator(harness.environment).create(.init(scope: .models), now: { checked.id.date.addingTimeInterval(60) })
            try await harness.registry.delete(model: "fraud", version: extra.version, actor: "test")
            let extraKey = try #require(planted.artifacts?.objects.first { !(checked.artifacts?.objects ?? []).contains($0) }?.key)
            try FileManager.default.removeItem(atPath: harness.artifactRoot)

            var environment = harness.environment
            let setFolder = harness.environment.setPath(checked.id)
            let plantedBundle = harness.environment.setPath(planted.id) + "/models.tar.gz"
            environment.hooks.afterFilesChecked = { _, _ in try Self.replace(setFolder + "/models.tar.gz", with: plantedBundle) }
            _ = try await BackupRestorer(environment).restore(
                checked.id,
                .init(scope: .models, confirmed: true, migrations: try harness.migrations())
            )
            let restored = try harness.artifactDigests()
            #expect(restored[extraKey] == nil, "an artifact from the swapped tarball was restored")
            #expect(Set(restored.keys) == Set((checked.artifacts?.objects ?? []).map(\.key)))
        }
    }

    @Test("the private folder of an encrypted set renamed and replaced after the check is not what is restored")
    func scratchFolderReplacedAfterCheck() async throws {
        try await BackupHarness.with(keyFile: encryptionKeyFile) { harness in
            try await harness.populate()
            let checked = try await BackupCreator(harness.environment).create(.init(scope: .database))
            // The attacker's own dump, in the clear: a set made without the key.
            var withoutKey = harness.environment
            withoutKey.encryptionKeyFile = nil
            try await harness.pool.execute("INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('planted', 'command', '@daily', 'x')")
            let planted = try await BackupCreator(withoutKey).create(.init(scope: .database), now: { checked.id.date.addingTimeInterval(60) })
            try await harness.pool.execute("DELETE FROM jobs WHERE name = 'planted'")
            let plantedDump = harness.environment.setPath(planted.id) + "/database.dump"

            // The backup folder is writable to the attacker, so the private folder inside it can be renamed away
            // (its contents stay unreadable to them) and a folder of their own put under its name.
            var environment = harness.environment
            environment.hooks.afterFilesChecked = { _, scratch in
                guard rename(scratch.location, scratch.location + ".moved") == 0, mkdir(scratch.location, 0o755) == 0 else {
                    throw BackupError(.storage, "the test could not replace \(scratch.location): \(String(cString: strerror(errno)))")
                }
                try FileManager.default.copyItem(atPath: plantedDump, toPath: scratch.location + "/database.dump")
            }
            _ = try await BackupRestorer(environment).restore(
                checked.id,
                .init(scope: .database, confirmed: true, migrations: try harness.migrations())
            )
            #expect(try await plantedJobs(harness) == 0, "the dump in the replaced folder was restored")
            #expect(try await harness.pool.query("SELECT count(*) FROM models").first!.decode(Int.self) == 2)
        }
    }

    @Test("a manifest swapped back after a planted one was accepted does not pass the record check")
    func manifestSwappedBackAfterAuthentication() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            let (checked, planted) = try await twoSets(harness, scope: .database)
            let setFolder = harness.environment.setPath(checked.id)
            let original = try Data(contentsOf: URL(fileURLWithPath: setFolder + "/manifest.json"))
            // No key is configured: only the manifest's sha256 in the set's row guards the set. The attacker's
            // manifest describes their dump; the recorded one is put back once theirs was read.
            var forged = checked
            forged.files = planted.files
            try forged.encoded().write(to: URL(fileURLWithPath: setFolder + "/manifest.json"))
            try Self.replace(setFolder + "/database.dump", with: harness.environment.setPath(planted.id) + "/database.dump")
            var environment = harness.environment
            environment.hooks.afterAuthentication = { folder in try original.write(to: URL(fileURLWithPath: folder + "/manifest.json")) }
            let tables = try await harness.tableChecksums()
            await expectBackupError(.integrity, "manifest.json was changed since the set was made") {
                _ = try await BackupRestorer(environment).restore(
                    checked.id,
                    .init(scope: .database, confirmed: true, migrations: try harness.migrations())
                )
            }
            #expect(try await harness.tableChecksums() == tables)
        }
    }

    // MARK: - Support

    /// The set to check, and a later one whose dump holds a job named `planted` that the live database lacks.
    private func twoSets(_ harness: BackupHarness, scope: BackupScope) async throws -> (BackupManifest, BackupManifest) {
        let checked = try await BackupCreator(harness.environment).create(.init(scope: scope))
        try await harness.pool.execute("INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('planted', 'command', '@daily', 'x')")
        let planted = try await BackupCreator(harness.environment).create(.init(scope: scope), now: { checked.id.date.addingTimeInterval(60) })
        try await harness.pool.execute("DELETE FROM jobs WHERE name = 'planted'")
        return (checked, planted)
    }

    private func plantedJobs(_ harness: BackupHarness) async throws -> Int {
        try await harness.pool.query("SELECT count(*) FROM jobs WHERE name = 'planted'").first!.decode(Int.self)
    }

    /// What an attacker does: a copy renamed over the file, so it is replaced in one step.
    private static func replace(_ path: String, with source: String) throws {
        let staged = path + ".incoming"
        try? FileManager.default.removeItem(atPath: staged)
        try FileManager.default.copyItem(atPath: source, toPath: staged)
        guard rename(staged, path) == 0 else {
            throw BackupError(.storage, "the test could not rename \(staged): \(String(cString: strerror(errno)))")
        }
    }
}

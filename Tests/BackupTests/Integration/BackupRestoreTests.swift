import Backup
import BackupFixtures
import Foundation
import Postgres
import Processes
import Registry
import TestSupport
import Testing

@Suite("Backup and restore of a whole installation (real Postgres, pg_dump, pg_restore)")
struct BackupRestoreTests {
    @Test("a full backup restores every table's contents and every artifact after everything was dropped")
    func fullRoundTrip() async throws {
        try await BackupHarness.with { harness in
            _ = try await roundTrip(harness)
        }
    }

    @Test("an encrypted full backup restores the same, and no file of the set holds readable data")
    func encryptedRoundTrip() async throws {
        let keys = try TemporaryFolder("nomaly-key")
        let keyFile = try keys.file("key", String(repeating: "ab", count: 32) + "\n")
        try await BackupHarness.with(keyFile: keyFile) { harness in
            let manifest = try await roundTrip(harness)
            let facts = try #require(manifest.encryption)
            #expect(facts.algorithm == "AES-256-GCM")
            for file in manifest.files {
                #expect(file.contentSha256 != nil && file.contentSha256 != file.sha256)
                let bytes = try Data(contentsOf: URL(fileURLWithPath: harness.environment.setPath(manifest.id) + "/" + file.name))
                // A custom-format dump starts with PGDMP and a gzip member with 1f 8b: neither may show.
                #expect(!bytes.prefix(16).starts(with: Array("PGDMP".utf8)))
                #expect(!bytes.prefix(2).elementsEqual([0x1F, 0x8B]))
            }
        }
    }

    @discardableResult
    private func roundTrip(_ harness: BackupHarness) async throws -> BackupManifest {
        try await harness.populate()
        let tablesBefore = try await harness.tableChecksums()
        let artifactsBefore = try harness.artifactDigests()
        #expect(artifactsBefore.count == 4)

        let manifest = try await BackupCreator(harness.environment).create(.init(scope: .full))
        #expect(manifest.files.map(\.name).sorted() == ["database.dump", "models.tar.gz"])
        #expect(manifest.artifacts?.objects.count == 3, "the deleted version's artifact is not live")
        let newestMigration = try Migration.load(from: TestEnvironment.repositoryRoot + "/migrations").map(\.version).max()
        #expect(manifest.postgres?.migrationLevel == newestMigration)
        #expect(manifest.rowCounts.first { $0.table == "public.model_versions" }?.rows == 4)
        for file in manifest.files {
            #expect(try sha256sum(harness.environment.setPath(manifest.id) + "/" + file.name) == file.sha256)
        }
        #expect(try await harness.backupRow(manifest.id.value)?.verified == true)

        try await harness.destroyEverything()
        let report = try await BackupRestorer(harness.environment).restore(
            manifest.id,
            .init(scope: .full, confirmed: true, migrations: try harness.migrations())
        )
        #expect(report.tablesRestored == manifest.rowCounts.count)
        #expect(report.artifactsRestored == 3)
        #expect(report.replacedArtifactsMovedTo == nil, "there was no artifact folder left to move aside")

        var tablesAfter = try await harness.tableChecksums()
        var expected = tablesBefore
        // The backups table records the backup itself, made after the snapshot above.
        expected.removeValue(forKey: "backups")
        tablesAfter.removeValue(forKey: "backups")
        #expect(tablesAfter == expected)
        let artifactsAfter = try harness.artifactDigests()
        for object in manifest.artifacts!.objects {
            #expect(artifactsAfter[object.key] == object.sha256)
            #expect(artifactsBefore[object.key] == object.sha256)
        }
        #expect(try await harness.backupRow(manifest.id.value)?.status == "succeeded")
        return manifest
    }

    @Test("a models restore moves the current folder aside as .backup.TIMESTAMP and keeps newer live artifacts")
    func modelsRestoreMovesAside() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .models))
            #expect(manifest.files.map(\.name) == ["models.tar.gz"])
            // A version registered after the backup: the restore must not leave it without its artifact.
            let newer = try await ModelFactory.artifact(in: harness.folder, seed: 99)
            let version = try await harness.registry.register(model: "fraud", artifact: newer, actor: "test")
            let report = try await BackupRestorer(harness.environment).restore(
                manifest.id,
                .init(scope: .models, confirmed: true, migrations: try harness.migrations())
            )
            let aside = try #require(report.replacedArtifactsMovedTo)
            #expect(aside.hasPrefix(harness.artifactRoot + ".backup."))
            #expect(FileManager.default.fileExists(atPath: aside))
            #expect(try await harness.registry.artifacts.exists(sha256: version.artifactSha256, size: version.artifactSize))
            #expect(report.tablesRestored == nil)
        }
    }

    @Test("restore without --yes refuses and changes nothing")
    func restoreNeedsConfirmation() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let before = try await harness.tableChecksums()
            await expectBackupError(.refused, "--yes") {
                _ = try await BackupRestorer(harness.environment).restore(
                    manifest.id,
                    .init(scope: .database, confirmed: false, migrations: try harness.migrations())
                )
            }
            #expect(try await harness.tableChecksums() == before)
        }
    }

    @Test("a database set cannot restore models, and an unknown id is not found")
    func restoreRefusesMismatches() async throws {
        try await BackupHarness.with { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let migrations = try harness.migrations()
            await expectBackupError(.refused, "cannot restore models") {
                _ = try await BackupRestorer(harness.environment).restore(manifest.id, .init(scope: .models, confirmed: true, migrations: migrations))
            }
            await expectBackupError(.notFound, "no backup set 20200101_000000") {
                _ = try await BackupRestorer(harness.environment).restore(
                    BackupSetID("20200101_000000")!,
                    .init(scope: .full, confirmed: true, migrations: migrations)
                )
            }
            await expectBackupError(.incompatible, "migrations up to 2") {
                _ = try await BackupRestorer(harness.environment).restore(
                    manifest.id,
                    .init(scope: .database, confirmed: true, migrations: Array(migrations.prefix(2)))
                )
            }
        }
    }

    @Test("a wrong database URL records a failed backup and leaves no set")
    func unreachableDatabase() async throws {
        try await BackupHarness.with { harness in
            var environment = harness.environment
            var source = environment.source
            source.connectionString = try ScratchDatabaseURL.replacingDatabase(with: "no_such_database_\(UInt32.random(in: 0...UInt32.max))")
            environment.source = source
            await expectBackupError(.database, "does not exist") {
                try await BackupCreator(environment).create(.init(scope: .full))
            }
            try await expectOneFailedRow(harness, saying: "does not exist", directory: environment.directory)
        }
    }

    @Test("pg_dump exiting non-zero records a failed backup with its message and leaves no set")
    func dumpFailure() async throws {
        try await BackupHarness.with { harness in
            // The real pg_dump, asked for a table that does not exist: it fails after connecting.
            let server = try await harness.pool.query("SELECT current_setting('server_version_num')::int / 10000").first!.decode(Int.self)
            let wrapper = try harness.folder.file(
                "bin/pg_dump",
                "#!/bin/sh\nexec /usr/lib/postgresql/\(server)/bin/pg_dump \"$@\" --table=no_such_table_anywhere\n"
            )
            chmod(wrapper, 0o755)
            // A child forked by a parallel test while the script was open for writing holds it until it execs:
            // running it fails with ETXTBSY for that moment.
            try await waitFor { (try? ChildProcess.run([wrapper, "--version"]).status) == 0 }
            var environment = harness.environment
            environment.binDirectory = harness.folder.path + "/bin"
            await expectBackupError(.tool, "no matching tables") {
                try await BackupCreator(environment).create(.init(scope: .database))
            }
            try await expectOneFailedRow(harness, saying: "no matching tables", directory: environment.directory)
        }
    }

    private func expectOneFailedRow(_ harness: BackupHarness, saying text: String, directory: String) async throws {
        do {
            let rows = try await harness.pool.query("SELECT status, error FROM backups").decode(FailedRow.self)
            #expect(rows.count == 1)
            #expect(rows.first?.status == "failed")
            #expect(rows.first?.error?.contains(text) == true, "\(rows.first?.error ?? "")")
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    private struct FailedRow: Decodable {
        let status: String
        let error: String?
    }
}

/// The test server's URL with another database name.
enum ScratchDatabaseURL {
    static func replacingDatabase(with name: String) throws -> String {
        var components = try #require(URLComponents(string: try TestEnvironment.databaseURL()))
        components.path = "/" + name
        return try #require(components.string)
    }
}

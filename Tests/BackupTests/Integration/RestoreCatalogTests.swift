import Backup
import BackupFixtures
import Foundation
import Postgres
import TestSupport
import Testing

/// A database restore replaces the `backups` table with the backup's copy, but the table describes sets, not data:
/// what it said before the restore must survive it. Until issue 26 the rows of sets made after the restored one came
/// back unverified (moving what retention and `BackupStale` take for the newest verified set), failed attempts since
/// vanished from `nomaly_backup_failures_24h`, and the restored set itself looked finished just now.
@Suite("A restore keeps what the backups table knew (real Postgres, pg_dump, pg_restore)")
struct RestoreCatalogTests {
    struct Row: Decodable, Equatable {
        let id: String
        let status: String
        let finishedAt: Double?
        let verifiedAt: Double?
        let error: String?
        let remoteUri: String?
    }

    func rows(_ harness: BackupHarness) async throws -> [String: Row] {
        let rows = try await harness.pool.query(
            """
            SELECT id, status, extract(epoch FROM finished_at)::float8 AS finished_at, extract(epoch FROM verified_at)::float8 AS verified_at,
                error, remote_uri
            FROM backups ORDER BY id
            """
        ).decode(Row.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
    }

    @Test("sets made after the restored one stay verified, failed attempts stay counted, uploads stay recorded")
    func laterSetsKeepTheirRows() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            let older = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let newer = try await BackupCreator(harness.environment).create(.init(scope: .database))
            // A failed attempt and an upload after the older set: neither is in its dump.
            try await harness.pool.execute(
                "INSERT INTO backups (id, kind, status, location, error, started_at, finished_at) VALUES ('29991231_000000', 'database', 'failed', '/nowhere', 'disk full', now(), now())"
            )
            try await harness.pool.execute("UPDATE backups SET remote_uri = 's3://offsite/backups/' || id WHERE id = $1", [newer.id.value])
            let before = try await rows(harness)
            #expect(before[newer.id.value]?.verifiedAt != nil)
            let freshnessBefore = try await BackupCatalog(pool: harness.pool).freshness()

            _ = try await BackupRestorer(harness.environment).restore(
                older.id,
                .init(scope: .database, confirmed: true, migrations: try harness.migrations())
            )

            let after = try await rows(harness)
            #expect(after[newer.id.value] == before[newer.id.value], "the newer set's row is as it was")
            #expect(after["29991231_000000"] == before["29991231_000000"], "the failed attempt is still counted")
            let restored = try #require(after[older.id.value])
            #expect(restored.status == "succeeded" && restored.finishedAt == before[older.id.value]?.finishedAt)
            #expect((restored.verifiedAt ?? 0) >= (before[older.id.value]?.verifiedAt ?? .infinity), "verified again by the restore")
            #expect(Set(after.keys) == Set(before.keys))

            let freshness = try await BackupCatalog(pool: harness.pool).freshness()
            #expect(freshness == freshnessBefore, "the newest verified set and the failures are what they were")
            #expect(freshness.first?.failuresLastDay == 1)
        }
    }

    @Test("into an empty database, the restored set's row says when the set was made, not that it finished now")
    func disasterRestoreKeepsTheSetsTime() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            let set = try await BackupCreator(harness.environment).create(.init(scope: .database))
            try await harness.pool.execute("DROP SCHEMA public CASCADE")
            try await harness.pool.execute("CREATE SCHEMA public")

            _ = try await BackupRestorer(harness.environment).restore(
                set.id,
                .init(scope: .database, confirmed: true, migrations: try harness.migrations())
            )

            let row = try #require(try await rows(harness)[set.id.value])
            #expect(row.status == "succeeded" && row.verifiedAt != nil && row.error == nil)
            // The manifest on disk keeps whole seconds: that is the time the set says it has.
            let written = try #require(try BackupSets(harness.environment).localSets().first { $0.id == set.id }).manifest.finishedAt
            let finished = try #require(row.finishedAt)
            #expect(abs(finished - written.timeIntervalSince1970) < 0.001, "\(finished) vs \(written.timeIntervalSince1970)")
            struct Recorded: Decodable {
                let sha256: String?
                let sizeBytes: Int64?
            }
            let recorded = try await harness.pool.query("SELECT sha256, size_bytes FROM backups WHERE id = $1", [set.id.value])
                .decode(Recorded.self).first
            #expect(recorded?.sha256?.count == 64 && recorded?.sizeBytes == set.totalSize, "the set's digest is recorded for later verifies")
        }
    }
}

import Backup
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("The backup catalog, the one store of the backups table (real Postgres)")
struct BackupCatalogTests {
    /// Two database sets (the newer one unverified), a models set, a failed full attempt today and one a month ago.
    func insertRows(_ pool: PostgresPool) async throws {
        try await pool.execute(
            """
            INSERT INTO backups (id, kind, status, location, size_bytes, started_at, finished_at, verified_at, error) VALUES
                ('20300101_000000', 'database', 'succeeded', '/b/1', 100, '2030-01-01T00:00:00Z', '2030-01-01T00:00:10Z', '2030-01-02T00:00:00Z', NULL),
                ('20300102_000000', 'database', 'succeeded', '/b/2', 200, '2030-01-02T00:00:00Z', '2030-01-02T00:00:20Z', NULL, NULL),
                ('20300103_000000', 'models', 'succeeded', '/b/3', 300, '2030-01-03T00:00:00Z', '2030-01-03T00:00:30Z', '2030-01-04T00:00:00Z', NULL),
                ('20300104_000000', 'full', 'failed', '/b/4', NULL, now() - interval '1 hour', now(), NULL, 'disk full'),
                ('20300105_000000', 'full', 'failed', '/b/5', NULL, now() - interval '30 days', now() - interval '30 days', NULL, 'cancelled')
            """
        )
    }

    @Test("records come oldest first with every column; a deleted row is gone")
    func recordsAndDelete() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            try await insertRows(pool)
            let catalog = BackupCatalog(pool: pool)
            let records = try await catalog.records()
            #expect(records.map(\.id) == ["20300101_000000", "20300102_000000", "20300103_000000", "20300104_000000", "20300105_000000"])
            let first = try #require(records.first)
            #expect(first.kind == "database" && first.status == "succeeded" && first.location == "/b/1" && first.sizeBytes == 100)
            #expect(first.verifiedAt != nil && first.finishedAt != nil && first.error == nil)
            #expect(records[3].error == "disk full")
            try await catalog.delete(try #require(BackupSetID("20300102_000000")))
            #expect(try await catalog.records().map(\.id).contains("20300102_000000") == false)
        }
    }

    @Test("freshness per kind: newest success, newest verified set's finish, newest size, failures of the last day")
    func freshness() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            try await insertRows(pool)
            let kinds = try await BackupCatalog(pool: pool).freshness()
            #expect(kinds.map(\.kind) == ["database", "full", "models"])
            let database = try #require(kinds.first { $0.kind == "database" })
            #expect(database.lastSuccess?.timeIntervalSince1970 == 1_893_542_420)
            #expect(database.lastVerified?.timeIntervalSince1970 == 1_893_456_010, "the verified set's finish, not the newest set's")
            #expect(database.lastSize == 200)
            #expect(database.failuresLastDay == 0)
            let full = try #require(kinds.first { $0.kind == "full" })
            #expect(full.lastSuccess == nil && full.lastVerified == nil && full.lastSize == nil)
            #expect(full.failuresLastDay == 1, "the month-old failure is not counted")
        }
    }

    @Test("the summary names the newest succeeded and verified sets and counts the window's failures")
    func summary() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let catalog = BackupCatalog(pool: pool)
            let empty = try await catalog.summary(over: .seconds(7 * 86_400))
            #expect(empty.newestSucceeded == nil && empty.newestVerified == nil && empty.failedInWindow == 0)
            try await insertRows(pool)
            let week = try await catalog.summary(over: .seconds(7 * 86_400))
            #expect(week.newestSucceeded == "20300103_000000")
            #expect(week.newestSucceededAt?.timeIntervalSince1970 == 1_893_628_830)
            #expect(week.newestVerified == "20300103_000000")
            #expect(week.newestVerifiedAt?.timeIntervalSince1970 == 1_893_715_200)
            #expect(week.failedInWindow == 1)
            #expect(try await catalog.summary(over: .seconds(60 * 86_400)).failedInWindow == 2)
        }
    }
}

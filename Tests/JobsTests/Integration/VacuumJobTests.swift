import Foundation
import JSONValues
import Jobs
import Postgres
import Scheduler
import TestSupport
import Testing

@Suite("kind: vacuum (real Postgres)")
struct VacuumJobTests {
    @Test("vacuums the listed tables and records dead tuples before and after")
    func vacuum() async throws {
        try await ScratchDatabase.with(maximumConnections: 4) { pool, _ in
            try await pool.execute("CREATE TABLE readings (id int PRIMARY KEY, value float8) WITH (autovacuum_enabled = false)")
            try await pool.execute("INSERT INTO readings SELECT i, random() FROM generate_series(1, 20000) AS i")
            try await pool.execute("DELETE FROM readings WHERE id % 2 = 0")
            // Statistics reach the shared view when the deleting session flushes them.
            try await waitForStatistics(pool)
            let kinds = BuiltInKinds.registry(pool: pool)
            let job = try JobSpecLoader(kinds: kinds).load(
                "kind: vacuum\nschedule: \"@daily\"\nwith: {tables: [readings]}\n",
                file: "jobs/v.yaml",
                defaultName: "v"
            )
            var settings = JobSettings(job.settings)
            let runnable = try kinds["vacuum"]!.prepare(&settings)
            let log = RunLog()
            let outcome = try await runnable.run(
                RunContext(job: job, runID: 1, attempt: 1, scheduledAt: Date(), trigger: "manual", logger: TestEnvironment.logger, log: log)
            )
            let table = try #require(
                outcome.result?.objectValue?["tables"].flatMap { value -> [JSONValue]? in
                    if case .array(let items) = value { return items }
                    return nil
                }?.first?.objectValue
            )
            #expect(table["table"] == .string("readings"))
            #expect(table["dead_before"] == .integer(10000))
            #expect(table["dead_after"] == .integer(0))
            #expect(log.tail.contains("VACUUM (ANALYZE true, FULL false) readings: dead tuples 10000 → 0"))
        }
    }

    @Test("an unknown table fails the run by name")
    func unknownTable() async throws {
        try await ScratchDatabase.with { pool, _ in
            let kinds = BuiltInKinds.registry(pool: pool)
            let job = try JobSpecLoader(kinds: kinds).load(
                "kind: vacuum\nschedule: \"@daily\"\nwith: {tables: [\"nope; DROP TABLE x\"]}\n",
                file: "jobs/v.yaml",
                defaultName: "v"
            )
            var settings = JobSettings(job.settings)
            let runnable = try kinds["vacuum"]!.prepare(&settings)
            let error = await #expect(throws: JobFailure.self) {
                try await runnable.run(
                    RunContext(job: job, runID: 1, attempt: 1, scheduledAt: Date(), trigger: "manual", logger: TestEnvironment.logger, log: RunLog())
                )
            }
            #expect(error?.message == "no table named 'nope; DROP TABLE x' in the database")
        }
    }

    /// Waits until the statistics collector counts the deleted rows as dead tuples.
    func waitForStatistics(_ pool: PostgresPool) async throws {
        try await waitFor(timeout: .seconds(60)) {
            try await pool.withConnection { connection in
                try await connection.execute("SELECT pg_stat_force_next_flush()")
                try await connection.execute("SELECT 1")
            }
            let dead = try await pool.query(
                "SELECT pg_stat_clear_snapshot(), coalesce((SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'readings'), 0) AS dead"
            ).first!
            .decode(Int.self, column: "dead")
            return dead == 10000
        }
    }
}

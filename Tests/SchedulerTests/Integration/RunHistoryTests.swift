import Foundation
import Postgres
import Scheduler
import TestSupport
import Testing

@Suite("Run history kept by age and summarised per job (real Postgres)")
struct RunHistoryTests {
    /// Runs of `history` finished 100, 10 and 1 days ago, one still running and one queued.
    func insertRuns(_ pool: PostgresPool) async throws {
        try await pool.execute("INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('history', 'command', '@daily', 'h')")
        try await pool.execute(
            """
            INSERT INTO job_runs (job_name, scheduled_at, trigger, status, started_at, finished_at) VALUES
                ('history', now() - interval '100 days', 'schedule', 'succeeded', now() - interval '100 days', now() - interval '100 days'),
                ('history', now() - interval '10 days', 'schedule', 'failed', now() - interval '10 days', now() - interval '10 days'),
                ('history', now() - interval '1 day', 'schedule', 'succeeded', now() - interval '1 day', now() - interval '1 day'),
                ('history', now() - interval '200 days', 'schedule', 'running', now() - interval '200 days', NULL),
                ('history', now() - interval '300 days', 'schedule', 'queued', NULL, NULL)
            """
        )
    }

    @Test("runs finished before the age go, in a dry run only counted; unfinished runs stay however old")
    func deleteByAge() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            try await insertRuns(pool)
            let store = RunStore(pool: pool)
            #expect(try await store.deleteFinishedRuns(olderThan: .seconds(5 * 86_400), dryRun: true) == 2)
            #expect(try await pool.query("SELECT count(*) FROM job_runs").first?.decode(Int64.self) == 5)
            #expect(try await store.deleteFinishedRuns(olderThan: .seconds(5 * 86_400), dryRun: false) == 2)
            let left = try await pool.query("SELECT status FROM job_runs ORDER BY scheduled_at").decode(String.self)
            #expect(left == ["queued", "running", "succeeded"])
            #expect(try await store.deleteFinishedRuns(olderThan: .seconds(5 * 86_400), dryRun: false) == 0)
        }
    }

    @Test("statistics count the window's finished runs, time its successes and name the newest success of all time")
    func statistics() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            try await insertRuns(pool)
            try await pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, trigger, status, started_at, finished_at)
                SELECT 'history', now() - n * interval '1 hour', 'schedule', 'succeeded', now() - n * interval '1 hour',
                       now() - n * interval '1 hour' + n * interval '1 second'
                FROM generate_series(1, 3) n
                """
            )
            try await pool.execute("INSERT INTO jobs (name, kind, schedule, spec_hash, paused) VALUES ('idle', 'vacuum', '@daily', 'h', true)")
            let week = try await RunStore(pool: pool).runStatistics(over: .seconds(7 * 86_400))
            let history = try #require(week.first { $0.name == "history" })
            #expect(history.kind == "command" && !history.paused)
            #expect(history.finished == 4 && history.succeeded == 4)
            #expect(history.p50 == 1.5)
            #expect(abs((history.p95 ?? 0) - 2.85) < 1e-9)
            let newest = try await pool.query("SELECT max(finished_at) FROM job_runs WHERE status = 'succeeded'").first?.decode(Date.self)
            #expect(history.lastSuccess == newest)
            let idle = try #require(week.first { $0.name == "idle" })
            #expect(idle.paused && idle.finished == 0 && idle.p50 == nil && idle.lastSuccess == nil)
            #expect(week.map(\.name) == week.map(\.name).sorted())

            let month = try await RunStore(pool: pool).runStatistics(over: .seconds(30 * 86_400))
            #expect(month.first { $0.name == "history" }?.finished == 5)
        }
    }
}

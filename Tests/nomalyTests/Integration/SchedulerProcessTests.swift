import Foundation
import Postgres
import Processes
import TestSupport
import Testing

@Suite("Three scheduler replicas on one database, one killed midway")
struct SchedulerProcessTests {
    struct Slot: Decodable {
        let scheduledAt: Date
        let succeeded: Int
        let runs: Int
    }

    struct Interval: Decodable {
        let id: Int64
        let startedAt: Date
        let finishedAt: Date
    }

    @Test("every slot of an every-second job succeeds exactly once; a forbid job never overlaps itself", .timeLimit(.minutes(5)))
    func replicas() async throws {
        let jobs = "/tmp/" + TestEnvironment.uniqueName("replica-jobs")
        try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: jobs) }
        try """
        kind: command
        schedule: "* * * * * *"
        concurrency: allow
        with: {command: ["true"]}
        retries: {max: 5, initial: 200ms, max_delay: 1s}
        history: {keep_succeeded: 10000}
        """.write(toFile: jobs + "/every.yaml", atomically: true, encoding: .utf8)
        try """
        kind: command
        schedule: "* * * * * *"
        concurrency: forbid
        with: {command: [sleep, "1.5"]}
        history: {keep_succeeded: 10000, keep_failed: 10000}
        """.write(toFile: jobs + "/slow.yaml", atomically: true, encoding: .utf8)

        try await ScratchDatabase.withSchema { pool, scratch in
            let environment = [
                "DATABASE_URL": scratch.connectionString, "NOMALY_JOBS_DIR": jobs, "NOMALY_LEASE_DURATION": "3s", "WORKERS": "8",
                "NOMALY_SHUTDOWN_GRACE": "5s", "LOG_LEVEL": "warning",
            ]
            func start() throws -> (ChildProcess, Task<ChildProcess.Result, Never>) {
                let child = try NomalyProcess.start(["serve", "--no-api"], environment: environment)
                return (child, Task { await NomalyProcess.collect(child) })
            }
            // The latest slot of `every` that succeeded, as the replicas' progress; nil before the first.
            func lastSucceeded() async throws -> Date? {
                try await pool.query("SELECT max(scheduled_at) FROM job_runs WHERE job_name = 'every' AND status = 'succeeded'")
                    .first!.decode(Date?.self)
            }
            func progressed(beyond date: Date) async throws -> Bool { try await lastSucceeded().map { $0 >= date } ?? false }

            var replicas = try (0..<3).map { _ in try start() }
            let windowStart = Date().addingTimeInterval(4)
            // The replicas' own progress paces the test, not the wall clock: a loaded machine only makes it slower.
            try await waitFor(timeout: .seconds(120)) { try await progressed(beyond: windowStart.addingTimeInterval(15)) }
            replicas[1].0.signal(SIGKILL)
            _ = await replicas[1].1.value
            // Stay down past a lease (3 s), so the survivors must reap whatever the killed replica held.
            let killedAt = Date()
            try await waitFor(timeout: .seconds(120)) { try await progressed(beyond: killedAt.addingTimeInterval(5)) }
            replicas[1] = try start()
            let windowEnd = windowStart.addingTimeInterval(50)
            let expected = Set(stride(from: windowStart.timeIntervalSince1970.rounded(.up), through: windowEnd.timeIntervalSince1970, by: 1))
            // Every slot of the window succeeds eventually (a lost run is retried). If one never does, stop waiting:
            // the checks below name it.
            try? await waitFor(timeout: .seconds(120)) {
                let succeeded = try await pool.query(
                    "SELECT count(DISTINCT scheduled_at) FROM job_runs WHERE job_name = 'every' AND status = 'succeeded' AND scheduled_at BETWEEN $1 AND $2",
                    [Date(timeIntervalSince1970: expected.min()!), Date(timeIntervalSince1970: expected.max()!)]
                ).first!.decode(Int.self)
                return succeeded >= expected.count
            }
            for replica in replicas { replica.0.signal(SIGTERM) }
            for replica in replicas {
                let result = await replica.1.value
                #expect(result.status == 0, "a replica exited \(result.status): \(result.standardError.suffix(2000))")
            }

            let slots = try await pool.query(
                """
                SELECT scheduled_at, count(*) FILTER (WHERE status = 'succeeded') AS succeeded, count(*) AS runs
                FROM job_runs WHERE job_name = 'every' GROUP BY scheduled_at ORDER BY scheduled_at
                """
            ).decode(Slot.self)
            #expect(slots.allSatisfy { $0.succeeded <= 1 }, "slots that succeeded twice: \(slots.filter { $0.succeeded > 1 }.map(\.scheduledAt))")
            let succeeded = Set(slots.filter { $0.succeeded == 1 }.map(\.scheduledAt.timeIntervalSince1970))
            let missing = expected.subtracting(succeeded).sorted().map { Date(timeIntervalSince1970: $0) }
            #expect(missing.isEmpty, "slots in the window without a success: \(missing)")
            #expect(expected.count > 45)

            let intervals = try await pool.query(
                """
                SELECT id, started_at, finished_at FROM job_runs
                WHERE job_name = 'slow' AND started_at IS NOT NULL AND finished_at IS NOT NULL AND status <> 'lost'
                ORDER BY started_at
                """
            ).decode(Interval.self)
            #expect(intervals.count > 10)
            for (earlier, later) in zip(intervals, intervals.dropFirst()) {
                #expect(later.startedAt >= earlier.finishedAt, "runs \(earlier.id) and \(later.id) of a forbid job overlapped")
            }
        }
    }
}

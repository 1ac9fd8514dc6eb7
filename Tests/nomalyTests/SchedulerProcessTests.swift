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

    @Test("every slot of an every-second job succeeds exactly once; a forbid job never overlaps itself", .timeLimit(.minutes(3)))
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
            var replicas = try (0..<3).map { _ in try start() }
            let windowStart = Date().addingTimeInterval(4)
            try await Task.sleep(for: .seconds(20))
            replicas[1].0.signal(SIGKILL)
            _ = await replicas[1].1.value
            try await Task.sleep(for: .seconds(5))
            replicas[1] = try start()
            try await Task.sleep(for: .seconds(35))
            let windowEnd = Date().addingTimeInterval(-6)
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
            let expected = Set(stride(from: windowStart.timeIntervalSince1970.rounded(.up), through: windowEnd.timeIntervalSince1970, by: 1))
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

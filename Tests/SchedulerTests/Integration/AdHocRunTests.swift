import Foundation
import JSONValues
import Postgres
import Scheduler
import TestSupport
import Testing

@Suite("Runs with their own spec, created for api jobs such as api.scoring (real Postgres)")
struct AdHocRunTests {
    /// An api job of the test kind, as migration 0003 creates `api.scoring` for the score kind.
    func makeAPIJob(_ pool: PostgresPool) async throws {
        try await pool.execute(
            "INSERT INTO jobs (name, kind, schedule, spec, spec_hash, origin, concurrency) VALUES ('api.test', 'recording', '@api', '{}', '', 'api', 'allow')"
        )
    }

    @Test("the claim hands out the run's spec, a retry keeps it, and the planner and catalog leave api jobs alone")
    func lifecycle() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            try await makeAPIJob(pool)
            let own = try spec("kind: recording\nschedule: \"@yearly\"\nconcurrency: allow\nwith: {sleep: 1ms}\n", name: "api.test")
            let first = try await store.queueAdHoc(own, job: "api.test")
            let second = try await store.queueAdHoc(own, job: "api.test")
            #expect(first != second, "two runs queued in the same instant are both kept")

            let claimed = try await store.claim(limit: 1, worker: "w", lease: .seconds(30))
            let run = try #require(claimed.first)
            #expect(run.trigger == "api")
            #expect(run.spec.objectValue?["with"] == .object(["sleep": .string("1ms")]), "the run's spec, not the job's empty one")
            let retryAt = Date().addingTimeInterval(-1)
            #expect(try await store.complete(runID: run.id, token: run.leaseToken, .init(status: .failed, error: "boom", retryAt: retryAt)))
            let retry = try #require(try await store.runs(job: "api.test", limit: 10).first { $0.trigger == "retry" })
            #expect(retry.spec == run.spec)

            #expect(try await store.plannableJobs().allSatisfy { $0.origin == .file })
            let local = try spec("kind: recording\nschedule: \"@daily\"\n", name: "job")
            try await store.syncCatalog([local], removeMissing: true)
            let summaries = try await store.jobSummaries()
            #expect(summaries.contains { $0.name == "api.test" && $0.origin == .api }, "the catalog sync does not retire api jobs")
            #expect(summaries.contains { $0.name == "api.scoring" && $0.kind == "score" }, "migration 0003 creates api.scoring")
        }
    }

    @Test("an api job cannot be triggered, take another kind's runs, or be shadowed by a job file")
    func refusals() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            try await makeAPIJob(pool)
            let trigger = await #expect(throws: SchedulerError.self) { try await store.trigger(job: "api.test") }
            #expect(trigger?.code == .notTriggerable)
            let local = try spec("kind: recording\nschedule: \"@daily\"\n", name: "job")
            try await store.syncCatalog([local], removeMissing: false)
            let fileJob = await #expect(throws: SchedulerError.self) { try await store.queueAdHoc(local, job: "job") }
            #expect(fileJob?.code == .notTriggerable)
            let shadow = try spec("kind: recording\nschedule: \"@daily\"\n", name: "api.test")
            let reserved = await #expect(throws: SchedulerError.self) { try await store.syncCatalog([shadow], removeMissing: true) }
            #expect(reserved?.code == .reservedJobName)
            #expect(try await store.jobSummaries().contains { $0.name == "job" }, "a refused sync changes nothing")
        }
    }
}

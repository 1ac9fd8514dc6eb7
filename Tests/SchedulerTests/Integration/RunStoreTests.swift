import Foundation
import Postgres
import Scheduler
import TestSupport
import Testing

@Suite("Claims, leases, fencing, reaping and pruning (real Postgres)")
struct RunStoreTests {
    func sync(_ store: RunStore, _ yaml: String, name: String = "job") async throws -> JobSpec {
        let job = try spec(yaml, name: name)
        try await store.syncCatalog([job], removeMissing: false)
        return job
    }

    func queue(_ store: RunStore, _ job: JobSpec, at times: [Date]) async throws {
        let plan = SlotPlanner.Plan(slots: times.map { .init(scheduledAt: $0, trigger: "schedule") }, scheduledThrough: times.last ?? Date())
        _ = try await store.queue([(job, plan)])
    }

    @Test("an exclusive job is claimed once at a time, even by racing workers; allow runs in parallel")
    func exclusiveClaims() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let forbid = try await sync(store, "kind: recording\nschedule: \"* * * * * *\"\n", name: "forbid")
            let allow = try await sync(store, "kind: recording\nschedule: \"* * * * * *\"\nconcurrency: allow\n", name: "allow")
            let past = Date().addingTimeInterval(-3)
            let times = (0..<3).map { past.addingTimeInterval(Double($0)) }
            try await queue(store, forbid, at: times)
            try await queue(store, allow, at: times)
            async let first = store.claim(limit: 10, worker: "a", lease: .seconds(30))
            async let second = store.claim(limit: 10, worker: "b", lease: .seconds(30))
            let claimed = try await first + second
            #expect(claimed.filter { $0.jobName == "forbid" }.count == 1)
            #expect(claimed.filter { $0.jobName == "allow" }.count == 3)
            #expect(Set(claimed.map(\.leaseToken)).count == claimed.count)
            #expect(try await store.claim(limit: 10, worker: "c", lease: .seconds(30)).isEmpty)
        }
    }

    @Test("forbid skips a due run while the previous one runs; replace asks the running one to stop")
    func startPolicies() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let forbid = try await sync(store, "kind: recording\nschedule: \"* * * * * *\"\n", name: "forbid")
            let replace = try await sync(store, "kind: recording\nschedule: \"* * * * * *\"\nconcurrency: replace\n", name: "replace")
            let now = Date()
            try await queue(store, forbid, at: [now.addingTimeInterval(-2)])
            try await queue(store, replace, at: [now.addingTimeInterval(-2)])
            let running = try await store.claim(limit: 10, worker: "a", lease: .seconds(30))
            #expect(running.count == 2)
            try await queue(store, forbid, at: [now.addingTimeInterval(-1)])
            try await queue(store, replace, at: [now.addingTimeInterval(-1)])
            #expect(try await store.applyStartPolicies() == 1)
            let skipped = try await store.runs(job: "forbid", status: .skipped, limit: 5)
            #expect(skipped.count == 1)
            #expect(skipped.first?.error?.contains("was still running (concurrency: forbid)") == true)
            let held = try await store.heartbeat(running.map { ($0.id, $0.leaseToken) }, lease: .seconds(30))
            let replaceRun = try #require(running.first { $0.jobName == "replace" })
            #expect(held[replaceRun.id] == .some("replaced by a newer run (concurrency: replace)"))
            #expect(try await store.runs(job: "replace", status: .queued, limit: 5).count == 1)
        }
    }

    @Test("a completion with a stale token is discarded; the right one records the outcome and queues the retry")
    func fencing() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let job = try await sync(store, "kind: recording\nschedule: \"@daily\"\nretries: {max: 1}\n")
            try await queue(store, job, at: [Date().addingTimeInterval(-1)])
            let run = try #require(try await store.claim(limit: 1, worker: "a", lease: .seconds(30)).first)
            #expect(try await store.complete(runID: run.id, token: UUID(), .init(status: .succeeded)) == false)
            let retryAt = Date().addingTimeInterval(-0.5)
            #expect(
                try await store.complete(runID: run.id, token: run.leaseToken, .init(status: .failed, error: "boom", exitCode: 3, retryAt: retryAt))
            )
            #expect(try await store.complete(runID: run.id, token: run.leaseToken, .init(status: .succeeded)) == false)
            let (record, _) = try await store.run(id: run.id)
            #expect(record.status == .failed)
            #expect(record.exitCode == 3)
            let retry = try #require(try await store.claim(limit: 1, worker: "b", lease: .seconds(30)).first)
            #expect(retry.attempt == 2)
            #expect(retry.scheduledAt == run.scheduledAt)
            #expect(retry.trigger == "retry")
        }
    }

    @Test("an expired lease is reaped as lost and retried; a live lease is never taken")
    func reaping() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let job = try await sync(store, "kind: recording\nschedule: \"* * * * * *\"\nconcurrency: allow\nretries: {max: 2}\n")
            let now = Date()
            try await queue(store, job, at: [now.addingTimeInterval(-2), now.addingTimeInterval(-1)])
            let claimed = try await store.claim(limit: 2, worker: "dead", lease: .milliseconds(200))
            #expect(claimed.count == 2)
            _ = try await store.heartbeat([(claimed[1].id, claimed[1].leaseToken)], lease: .seconds(60))
            // The database's clock decides expiry: wait until it says the first lease has run out.
            try await waitFor(timeout: .seconds(60)) {
                try await pool.query("SELECT lease_expires_at < now() FROM job_runs WHERE id = $1", [claimed[0].id]).first!.decode(Bool.self)
            }
            let lost = try await store.reapExpiredLeases { _ in Date().addingTimeInterval(-1) }
            #expect(lost.map(\.id) == [claimed[0].id])
            let (record, _) = try await store.run(id: claimed[0].id)
            #expect(record.status == .lost)
            #expect(record.error == "lease expired: dead stopped heartbeating")
            #expect(try await store.run(id: claimed[1].id).record.status == .running)
            let retry = try #require(try await store.claim(limit: 5, worker: "alive", lease: .seconds(30)).first)
            #expect(retry.attempt == 2)
            #expect(try await store.heartbeat([(claimed[0].id, claimed[0].leaseToken)], lease: .seconds(30)).isEmpty)
        }
    }

    @Test("pruning keeps each job's newest succeeded and failed runs and drops old ones")
    func pruning() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            _ = try await sync(store, "kind: recording\nschedule: \"@daily\"\nhistory: {keep_succeeded: 3, keep_failed: 2, max_age: 1h}\n")
            try await pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, trigger, status, started_at, finished_at)
                SELECT 'job', now() - make_interval(mins => i), 'schedule', CASE WHEN i % 3 = 0 THEN 'failed' ELSE 'succeeded' END,
                       now() - make_interval(mins => i), now() - make_interval(mins => i) + interval '1 second'
                FROM generate_series(1, 50) AS i
                """
            )
            try await pool.execute(
                "INSERT INTO job_runs (job_name, scheduled_at, trigger, status) VALUES ('job', now() - interval '3 hours', 'schedule', 'queued')"
            )
            let deleted = try await store.pruneHistory(batch: 7)
            #expect(deleted == 45)
            let left = try await store.runs(job: "job", limit: 100)
            #expect(left.filter { $0.status == .succeeded }.count == 3)
            #expect(left.filter { $0.status == .failed }.count == 2)
            #expect(left.filter { $0.status == .queued }.count == 1)
        }
    }

    @Test("manual triggers run even when paused; cancel stops queued runs at once and flags running ones")
    func operations() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            _ = try await sync(store, "kind: recording\nschedule: \"@daily\"\nconcurrency: allow\n")
            try await store.setPaused(true, job: "job")
            let manual = try await store.trigger(job: "job")
            let second = try await store.trigger(job: "job")
            #expect(try await store.cancel(runID: second, reason: "no longer needed") == .cancelled)
            let claimed = try await store.claim(limit: 5, worker: "a", lease: .seconds(30))
            #expect(claimed.map(\.id) == [manual])
            #expect(try await store.cancel(runID: manual, reason: "stop") == .running)
            #expect(try await store.heartbeat([(manual, claimed[0].leaseToken)], lease: .seconds(30))[manual] == .some("stop"))
            let unknown = await #expect(throws: SchedulerError.self) { try await store.trigger(job: "missing") }
            #expect(unknown?.code == .unknownJob)
            let ended = await #expect(throws: SchedulerError.self) { try await store.cancel(runID: second, reason: "again") }
            #expect(ended?.code == .notCancellable)
            let summary = try await store.jobSummaries().first { $0.name == "job" }
            #expect(summary?.paused == true)
            #expect(summary?.running == 1)
        }
    }

    @Test("a job whose file disappeared is marked removed and its queued runs are skipped")
    func removal() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let job = try await sync(store, "kind: recording\nschedule: \"@daily\"\n")
            try await queue(store, job, at: [Date().addingTimeInterval(3600)])
            try await store.syncCatalog([], removeMissing: true)
            #expect(try await fileJobs(store).isEmpty, "the api.scoring job is not the files' to retire")
            #expect(try await store.runs(job: "job", status: .skipped, limit: 5).first?.error == "the job was removed from jobs/")
            try await store.syncCatalog([job], removeMissing: true)
            #expect(try await fileJobs(store) == ["job"])
        }
    }

    @Test("firing lag counts from not_before, except that a catch-up of a missed slot counts from when it was queued")
    func dueAt() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let job = try await sync(store, "kind: recording\nschedule: \"@hourly\"\nconcurrency: allow\n")
            let hourAgo = Date().addingTimeInterval(-3_600)
            // The slot missed an hour ago, queued now by the misfire policy.
            let plan = SlotPlanner.Plan(slots: [.init(scheduledAt: hourAgo, trigger: "catchup")], scheduledThrough: Date())
            _ = try await store.queue([(job, plan)])
            // A regular slot due 30 minutes ago that a stalled planner queued only now: that delay is lag too.
            try await pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, trigger, not_before)
                VALUES ('job', now() - interval '30 minutes', 'schedule', now() - interval '30 minutes')
                """
            )
            let claimed = try await store.claim(limit: 5, worker: "a", lease: .seconds(30))
            let catchUp = try #require(claimed.first { $0.trigger == "catchup" })
            let notBefore = { (id: Int64) in try await pool.query("SELECT not_before FROM job_runs WHERE id = $1", [id]).first!.decode(Date.self) }
            #expect(abs(try await notBefore(catchUp.id).timeIntervalSince(hourAgo)) < 60)
            #expect(catchUp.startedAt.timeIntervalSince(catchUp.dueAt) < 60, "the catch-up counts from when it was queued")
            let late = try #require(claimed.first { $0.trigger == "schedule" })
            #expect(late.dueAt == (try await notBefore(late.id)))
            #expect(late.startedAt.timeIntervalSince(late.dueAt) > 25 * 60, "a slot queued late by the planner counts its wait")
        }
    }

    /// The jobs defined by files (migration 0003 adds `api.scoring`, which no file defines).
    func fileJobs(_ store: RunStore) async throws -> [String] {
        try await store.jobSummaries().filter { $0.origin == .file }.map(\.name)
    }
}

import Foundation
import Postgres
import Scheduler
import TestSupport
import Testing

/// What the JobFailing and JobNotSucceededFor alerts read: whether the job's failure is final (no retry pending),
/// and where its wait for a success starts. Driven through the store's own claim, complete, pause and sync calls.
@Suite("Job summaries: retries pending, the newest run that ran, when a job became active (real Postgres)")
struct JobSummaryTests {
    func summary(_ store: RunStore, _ name: String = "job") async throws -> JobSummary {
        try #require(try await store.jobSummaries(named: name).first)
    }

    /// Claims the only due run and ends it.
    func finishDueRun(_ store: RunStore, _ status: RunStatus, retryAt: Date? = nil) async throws {
        let claimed = try await store.claim(limit: 1, worker: "w", lease: .seconds(30))
        let run = try #require(claimed.first, "a run was due")
        #expect(try await store.complete(runID: run.id, token: run.leaseToken, .init(status: status, retryAt: retryAt)))
    }

    @Test("a retry of the failed run is pending while it waits or runs; the job fails when a slot has no attempt left")
    func retryPending() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let job = try spec("kind: recording\nschedule: \"@daily\"\n")
            try await store.syncCatalog([job], removeMissing: false)

            _ = try await store.trigger(job: "job")
            try await finishDueRun(store, .failed, retryAt: Date().addingTimeInterval(-1))
            var state = try await summary(store)
            #expect(state.retryPending && state.queued == 1)
            #expect(!state.lastRunFailed, "the slot is still being retried")

            // The retry runs: still pending, the job has not given up.
            let retry = try #require(try await store.claim(limit: 1, worker: "w", lease: .seconds(30)).first)
            #expect(retry.attempt == 2)
            state = try await summary(store)
            #expect(state.retryPending && !state.lastRunFailed && state.running == 1)

            // The last attempt fails with no retry left, while the next slot is already queued: a failure.
            #expect(try await store.complete(runID: retry.id, token: retry.leaseToken, .init(status: .timedOut)))
            let plan = SlotPlanner.Plan(slots: [.init(scheduledAt: Date().addingTimeInterval(5), trigger: "schedule")], scheduledThrough: Date())
            _ = try await store.queue([(job, plan)])
            state = try await summary(store)
            #expect(state.lastRunFailed)
            #expect(!state.retryPending, "a queued slot of the schedule is not a retry")
            #expect(state.queued == 1)

            // The next slot fails and waits for its retry: the job still failed its last settled slot. A job whose
            // retries fill its interval is always retrying some slot; that must not hide that every slot fails.
            try await pool.execute("UPDATE job_runs SET not_before = now() - interval '1 second' WHERE status = 'queued'")
            try await finishDueRun(store, .failed, retryAt: Date().addingTimeInterval(3_600))
            state = try await summary(store)
            #expect(state.retryPending && state.lastRunFailed)
        }
    }

    @Test("cancelling a queued retry settles the failed run; a failure from before a resume does not count")
    func cancelledRetryAndResume() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            try await store.syncCatalog([try spec("kind: recording\nschedule: \"@daily\"\n")], removeMissing: false)
            _ = try await store.trigger(job: "job")
            try await finishDueRun(store, .failed, retryAt: Date().addingTimeInterval(3_600))
            let queuedRetry = try #require(try await store.runs(job: "job", status: .queued, limit: 1).first)
            #expect(try await summary(store).lastRunFailed == false)
            #expect(try await store.cancel(runID: queuedRetry.id, reason: "not now") == .cancelled)
            var state = try await summary(store)
            #expect(state.lastStatus == .cancelled)
            #expect(state.lastRunFailed, "a retry cancelled before it started says nothing about the job")
            #expect(!state.retryPending)

            // Paused to be fixed, then resumed: the old failure is one the operator has seen.
            try await store.setPaused(true, job: "job")
            try await store.setPaused(false, job: "job")
            state = try await summary(store)
            #expect(!state.lastRunFailed)
        }
    }

    @Test("history pruning and the clean-up keep each job's newest success and newest settled run, whatever their limits say")
    func pruningKeepsWhatAlertsRead() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let yaml = "kind: recording\nschedule: \"@daily\"\nconcurrency: allow\nhistory: {keep_succeeded: 0, keep_failed: 0, max_age: 1d}\n"
            try await store.syncCatalog([try spec(yaml)], removeMissing: false)
            try await pool.execute("UPDATE jobs SET created_at = now() - interval '50 days', active_since = now() - interval '50 days'")
            try await pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, trigger, status, started_at, finished_at) VALUES
                    ('job', now() - interval '40 days', 'schedule', 'succeeded', now() - interval '40 days', now() - interval '40 days'),
                    ('job', now() - interval '39 days', 'schedule', 'succeeded', now() - interval '39 days', now() - interval '39 days'),
                    ('job', now() - interval '3 days', 'schedule', 'failed', now() - interval '3 days', now() - interval '3 days'),
                    ('job', now() - interval '2 days', 'schedule', 'failed', now() - interval '2 days', now() - interval '2 days'),
                    ('job', now() - interval '1 day', 'schedule', 'skipped', NULL, now() - interval '1 day')
                """
            )
            let before = try await summary(store)
            // The clean-up's age limit keeps them too: both deletes share one rule.
            #expect(try await store.deleteFinishedRuns(olderThan: .seconds(3_600), dryRun: true) == 3)
            _ = try await store.pruneHistory(batch: 100)
            let left = try await store.runs(job: "job", limit: 10)
            #expect(left.map(\.status) == [.failed, .succeeded], "\(left.map { ($0.status, $0.scheduledAt) })")
            let after = try await summary(store)
            #expect(after.lastSuccessAt == before.lastSuccessAt)
            #expect(after.lastRunFailed && before.lastRunFailed)
            #expect(try await store.deleteFinishedRuns(olderThan: .seconds(3_600), dryRun: false) == 0)
            #expect(try await store.runs(job: "job", limit: 10).count == 2)
        }
    }

    @Test("a skipped slot does not hide the failure before it; a success clears it")
    func skippedSlots() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let job = try spec("kind: recording\nschedule: \"@daily\"\n")
            try await store.syncCatalog([job], removeMissing: false)
            _ = try await store.trigger(job: "job")
            try await finishDueRun(store, .timedOut)
            // A forbid job that overran: the slot after it was skipped, later than the failure.
            try await pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, trigger, status, finished_at)
                VALUES ('job', now() + interval '1 second', 'schedule', 'skipped', now() + interval '1 second')
                """
            )
            var state = try await summary(store)
            #expect(state.lastStatus == .skipped, "the list still shows the newest run")
            #expect(state.lastRunFailed)

            _ = try await store.trigger(job: "job")
            try await pool.execute("UPDATE job_runs SET not_before = now() - interval '1 second' WHERE status = 'queued'")
            try await finishDueRun(store, .succeeded)
            state = try await summary(store)
            #expect(!state.lastRunFailed && !state.retryPending)
        }
    }

    @Test("the wait for a success restarts when a job is resumed, re-enabled or re-added; not when it is paused")
    func activeSince() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let enabled = try spec("kind: recording\nschedule: \"@daily\"\n")
            try await store.syncCatalog([enabled], removeMissing: false)
            let weekAgo = Date().addingTimeInterval(-7 * 86_400)
            func backdate() async throws {
                try await pool.execute("UPDATE jobs SET created_at = $1, active_since = $1 WHERE name = 'job'", [weekAgo])
            }
            func windowStart() async throws -> Date { try await summary(store).successWindowStart }

            try await backdate()
            #expect(abs(try await windowStart().timeIntervalSince(weekAgo)) < 1)
            try await store.setPaused(true, job: "job")
            #expect(abs(try await windowStart().timeIntervalSince(weekAgo)) < 1, "pausing starts nothing")
            try await store.setPaused(false, job: "job")
            #expect(try await windowStart() > Date().addingTimeInterval(-60), "resumed now")

            try await backdate()
            try await store.setPaused(false, job: "job")
            #expect(abs(try await windowStart().timeIntervalSince(weekAgo)) < 1, "resuming a job that was not paused changes nothing")

            let disabled = try spec("kind: recording\nschedule: \"@daily\"\nenabled: false\n")
            try await store.syncCatalog([disabled], removeMissing: false)
            #expect(abs(try await windowStart().timeIntervalSince(weekAgo)) < 1)
            try await store.syncCatalog([enabled], removeMissing: false)
            #expect(try await windowStart() > Date().addingTimeInterval(-60), "re-enabled now")

            try await backdate()
            try await store.syncCatalog([try spec("kind: recording\nschedule: \"@hourly\"\n")], removeMissing: false)
            #expect(try await windowStart() > Date().addingTimeInterval(-60), "a new schedule starts a new window")
            try await store.syncCatalog([enabled], removeMissing: false)

            try await backdate()
            try await store.syncCatalog([], removeMissing: true)
            try await store.syncCatalog([enabled], removeMissing: true)
            #expect(try await windowStart() > Date().addingTimeInterval(-60), "re-added now")

            // A success later than the job became active is where the wait starts.
            try await backdate()
            _ = try await store.trigger(job: "job")
            try await finishDueRun(store, .succeeded)
            let state = try await summary(store)
            #expect(state.successWindowStart == state.lastSuccessAt)
            #expect(state.activeSince < state.successWindowStart)
        }
    }
}

import Foundation
import Logging
import Postgres
import Scheduler
import ServiceLifecycle
import TestSupport
import Testing

@Suite("The scheduler service, in process (real Postgres)")
struct SchedulerServiceTests {
    /// Runs a scheduler with the given job files for `seconds`, then shuts it down gracefully.
    func runScheduler(
        _ pool: PostgresPool,
        jobs: [(name: String, yaml: String)],
        recorder: Recorder = Recorder(),
        configure: (inout SchedulerConfiguration) -> Void = { _ in },
        control: RunStore? = nil,
        during: (RunStore) async throws -> Void
    ) async throws {
        let kinds = JobKindRegistry([RecordingKind(recorder: recorder)])
        let specs = try jobs.map { try spec($0.yaml, name: $0.name, kinds: kinds) }
        var configuration = SchedulerConfiguration(replicaID: "test")
        // Long enough that a heartbeat delayed by a loaded machine never loses a run: no test here is about leases.
        configuration.leaseDuration = .seconds(15)
        configuration.shutdownGrace = .seconds(5)
        configure(&configuration)
        let scheduler = Scheduler(
            store: RunStore(pool: pool),
            control: control,
            kinds: kinds,
            specs: specs,
            configuration: configuration,
            logger: TestEnvironment.logger
        )
        let group = ServiceGroup(configuration: .init(services: [scheduler], logger: TestEnvironment.logger))
        let running = Task { try await group.run() }
        do {
            let store = RunStore(pool: pool)
            try await waitFor { Set(try await store.jobSummaries().filter { $0.origin == .file }.map(\.name)) == Set(jobs.map(\.name)) }
            try await during(RunStore(pool: pool))
        } catch {
            await group.triggerGracefulShutdown()
            _ = await running.result
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test("a control pool passed in carries the planning and claims, and is left open for its owner to close")
    func controlPoolPassedIn() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let control = PostgresPool(configuration: Scheduler.controlPoolConfiguration(for: pool.configuration), logger: TestEnvironment.logger)
            #expect(control.configuration.maximumConnections == 3)
            try await runScheduler(
                pool,
                jobs: [("tick", "kind: recording\nschedule: \"* * * * * *\"\nconcurrency: allow\n")],
                control: RunStore(pool: control)
            ) { store in
                try await waitFor(timeout: .seconds(60)) { try await store.runs(job: "tick", status: .succeeded, limit: 10).count >= 1 }
                // Checked while the scheduler runs: at shutdown its loops are cancelled mid-statement, and a pool
                // discards connections left busy that way, so afterwards the pool may hold none.
                #expect(await control.statistics().open > 0, "the scheduler did not use the control pool it was given")
            }
            #expect(try await control.query("SELECT 1").count == 1, "the scheduler closed a pool it does not own")
            await control.close()
        }
    }

    @Test("an every-second job runs each of its slots once, never before its time")
    func everySecond() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            try await runScheduler(pool, jobs: [("tick", "kind: recording\nschedule: \"* * * * * *\"\nconcurrency: allow\n")]) { store in
                // Wait for runs rather than for a fixed time: on a loaded machine the first slots come late.
                try await waitFor(timeout: .seconds(60)) { try await store.runs(job: "tick", status: .succeeded, limit: 10).count >= 3 }
            }
            let runs = try await RunStore(pool: pool).runs(job: "tick", limit: 100)
            let finished = runs.filter { $0.status == .succeeded }
            #expect(finished.count >= 3)
            #expect(Set(runs.map(\.scheduledAt)).count == runs.count, "a slot ran twice")
            for run in finished {
                let lag = try #require(run.startedAt).timeIntervalSince(run.scheduledAt)
                // How soon after its slot a run starts is a benchmark's business (scripts/bench scheduler);
                // here a run must never start early, nor so late that the planner should have called it missed.
                #expect(lag >= 0 && lag < 60, "run \(run.id) started \(lag) s after its slot")
            }
        }
    }

    @Test("a timeout ends a run as timed_out; a failure is retried and the attempts are bounded")
    func timeoutsAndRetries() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let jobs = [
                ("slow", "kind: recording\nschedule: \"@yearly\"\nwith: {sleep: 30s}\ntimeout: 500ms\n"),
                ("flaky", "kind: recording\nschedule: \"@yearly\"\nwith: {fail: true}\nretries: {max: 2, initial: 100ms, max_delay: 200ms}\n"),
            ]
            try await runScheduler(pool, jobs: jobs) { store in
                _ = try await store.trigger(job: "slow")
                _ = try await store.trigger(job: "flaky")
                try await waitFor(timeout: .seconds(60)) { try await store.runs(job: "flaky", limit: 10).filter { $0.status.isFinal }.count == 3 }
                try await waitFor(timeout: .seconds(60)) { try await store.runs(job: "slow", limit: 10).first?.status == .timedOut }
            }
            let store = RunStore(pool: pool)
            let slow = try #require(try await store.runs(job: "slow", limit: 1).first)
            #expect(slow.error == "timed out after 0.5 seconds")
            let flaky = try await store.runs(job: "flaky", limit: 10)
            #expect(flaky.map(\.attempt) == [3, 2, 1])
            #expect(flaky.allSatisfy { $0.status == .failed && $0.exitCode == 3 && $0.error == "asked to fail" })
            #expect(flaky.dropLast().allSatisfy { $0.trigger == "retry" })
            #expect(try await store.run(id: flaky[2].id).logTail == "run \(flaky[2].id) attempt 1\n")
        }
    }

    @Test("cancelling a running run stops it as cancelled")
    func cancel() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            try await runScheduler(pool, jobs: [("long", "kind: recording\nschedule: \"@yearly\"\nwith: {sleep: 60s}\n")]) { store in
                let id = try await store.trigger(job: "long")
                try await waitFor { try await store.run(id: id).record.status == .running }
                _ = try await store.cancel(runID: id, reason: "operator said so")
                try await waitFor(timeout: .seconds(60)) { try await store.run(id: id).record.status == .cancelled }
                #expect(try await store.run(id: id).record.error == "operator said so")
            }
        }
    }

    /// A lease of an hour heartbeats every 20 minutes: a stop that waited for the beat would not come within the
    /// minute these tests allow, so reaching the end proves that the request itself woke the worker.
    static func rareHeartbeats(_ configuration: inout SchedulerConfiguration) {
        configuration.leaseDuration = .seconds(3600)
    }

    @Test("a cancel wakes the worker that holds the run: it stops without waiting for the next heartbeat")
    func cancelWakesTheWorker() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let job = "kind: recording\nschedule: \"@yearly\"\nwith: {sleep: 1h}\n"
            try await runScheduler(pool, jobs: [("long", job)], configure: Self.rareHeartbeats) { store in
                let id = try await store.trigger(job: "long")
                try await waitFor { try await store.run(id: id).record.status == .running }
                _ = try await store.cancel(runID: id, reason: "operator said so")
                try await waitFor(timeout: .seconds(60)) { try await store.run(id: id).record.status == .cancelled }
            }
        }
    }

    @Test("concurrency: replace stops the running run when the next one is due, without waiting for a heartbeat")
    func replaceWakesTheWorker() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let job = "kind: recording\nschedule: \"@yearly\"\nconcurrency: replace\nwith: {sleep: 1h}\n"
            try await runScheduler(pool, jobs: [("long", job)], configure: Self.rareHeartbeats) { store in
                let first = try await store.trigger(job: "long")
                try await waitFor { try await store.run(id: first).record.status == .running }
                let second = try await store.trigger(job: "long")
                try await waitFor(timeout: .seconds(60)) { try await store.run(id: second).record.status == .running }
                let replaced = try await store.run(id: first).record
                #expect(replaced.status == .cancelled)
                #expect(replaced.error == "replaced by a newer run (concurrency: replace)")
            }
        }
    }

    @Test("on shutdown, a run that does not finish within the grace period is handed back as lost and retried")
    func shutdownHandsBack() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            var id: Int64 = 0
            try await runScheduler(
                pool,
                jobs: [("long", "kind: recording\nschedule: \"@yearly\"\nwith: {sleep: 60s}\nretries: {max: 1, initial: 1s}\n")],
                configure: { $0.shutdownGrace = .milliseconds(300) }
            ) { store in
                id = try await store.trigger(job: "long")
                try await waitFor { try await store.run(id: id).record.status == .running }
            }
            let store = RunStore(pool: pool)
            let record = try await store.run(id: id).record
            #expect(record.status == .lost)
            #expect(record.error == "test shut down during the run")
            #expect(try await store.runs(job: "long", status: .queued, limit: 5).first?.attempt == 2)
        }
    }

    @Test("history pruning keeps an every-second job's table bounded")
    func pruning() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let job = "kind: recording\nschedule: \"* * * * * *\"\nconcurrency: allow\nhistory: {keep_succeeded: 2}\n"
            try await runScheduler(pool, jobs: [("busy", job)], configure: { $0.pruneInterval = .milliseconds(500) }) { _ in
                // Six runs have been created, yet the service itself has brought the succeeded ones down to the two it keeps.
                try await waitFor(timeout: .seconds(30)) {
                    let row = try await pool.query(
                        "SELECT count(*) FILTER (WHERE status = 'succeeded'), coalesce(max(id), 0) FROM job_runs"
                    ).first!
                    return try row.decode(Int.self, at: 0) <= 2 && row.decode(Int64.self, at: 1) >= 6
                }
            }
        }
    }
}

import Backup
import BackupFixtures
import Foundation
import Jobs
import Logging
import Postgres
import Scheduler
import ServiceLifecycle
import TestSupport
import Testing

@Suite("A restore pauses the scheduler on every replica (real scheduler, real Postgres)")
struct RestorePauseTests {
    private struct Run: Decodable {
        let id: Int64
        let startedAt: Date?
        let status: String
    }

    @Test("claims stop while a restore runs, running runs are waited for, and claiming resumes afterwards")
    func restorePausesScheduling() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .models))
            let kinds = BuiltInKinds.registry(pool: harness.pool)
            // Each run lasts 2 s and a new one is due every second: runs are running whenever the restore starts.
            let yaml = "kind: command\nschedule: \"* * * * * *\"\nconcurrency: allow\nwith: {command: [sleep, \"2\"]}\n"
            let spec = try JobSpecLoader(kinds: kinds).load(yaml, file: "jobs/ticker.yaml", defaultName: "ticker")
            var configuration = SchedulerConfiguration(replicaID: "pause-test")
            configuration.leaseDuration = .seconds(5)
            configuration.shutdownGrace = .seconds(5)
            configuration.tick = .milliseconds(200)
            let scheduler = Scheduler(
                store: RunStore(pool: harness.pool),
                kinds: kinds,
                specs: [spec],
                configuration: configuration,
                logger: TestEnvironment.logger
            )
            let group = ServiceGroup(configuration: .init(services: [scheduler], logger: TestEnvironment.logger))
            let service = Task { try await group.run() }
            let report: RestoreReport
            do {
                try await waitFor(timeout: .seconds(60)) { try await runningCount(harness.pool) >= 1 }
                report = try await BackupRestorer(harness.environment).restore(
                    manifest.id,
                    .init(scope: .models, confirmed: true, migrations: try harness.migrations())
                )
                try await waitFor(timeout: .seconds(30)) {
                    try await runs(harness.pool).contains { ($0.startedAt ?? .distantPast) > report.resumedAt }
                }
            } catch {
                await group.triggerGracefulShutdown()
                _ = await service.result
                throw error
            }
            await group.triggerGracefulShutdown()
            try await service.value

            #expect(report.waitedForRuns >= 1, "the restore found runs running and waited for them")
            #expect(report.resumedAt.timeIntervalSince(report.pausedAt) >= 0.5)
            let startedWhilePaused = try await runs(harness.pool).filter {
                guard let started = $0.startedAt else { return false }
                return started >= report.pausedAt && started < report.resumedAt
            }
            #expect(startedWhilePaused.isEmpty, "runs started during the restore: \(startedWhilePaused.map(\.id))")
        }
    }

    @Test("a restore gives up when runs do not finish in time, and changes nothing")
    func restoreTimesOutOnRunningRuns() async throws {
        try await BackupHarness.with { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            try await harness.pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, trigger, status, lease_expires_at, started_at, claimed_by)
                VALUES ('api.scoring', now(), 'manual', 'running', now() + interval '1 hour', now(), 'elsewhere')
                """
            )
            await expectBackupError(.timeout, "api.scoring") {
                _ = try await BackupRestorer(harness.environment).restore(
                    manifest.id,
                    .init(scope: .database, confirmed: true, runsTimeout: .milliseconds(600), migrations: try harness.migrations())
                )
            }
            // The pause ended with the failure: a claim transaction gets the shared lock again.
            let free = try await harness.pool.query("SELECT pg_try_advisory_lock_shared($1)", [RunStore.claimsPause.value]).first!.decode(Bool.self)
            #expect(free)
        }
    }

    private func runs(_ pool: PostgresPool) async throws -> [Run] {
        try await pool.query("SELECT id, started_at, status FROM job_runs WHERE job_name = 'ticker'").decode(Run.self)
    }

    private func runningCount(_ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM job_runs WHERE job_name = 'ticker' AND status = 'running'").first!.decode(Int.self)
    }
}

import Backup
import BackupFixtures
import Foundation
import Maintenance
import Postgres
import TestSupport
import Testing

@Suite("The operations report (real Postgres)")
struct OperationsReportTests {
    @Test("per job success rate and durations, per model versions and aliases, backup freshness")
    func report() async throws {
        try await BackupHarness.with { harness in
            try await harness.populateModels()
            try await harness.pool.execute("INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('nightly', 'command', '@daily', 'x')")
            try await harness.pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, trigger, status, started_at, finished_at)
                SELECT 'nightly', now() - n * interval '1 hour', 'schedule', CASE WHEN n = 4 THEN 'failed' ELSE 'succeeded' END,
                       now() - n * interval '1 hour', now() - n * interval '1 hour' + n * interval '1 second'
                FROM generate_series(1, 4) n
                """
            )
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let report = try await OperationsReport.make(pool: harness.pool)
            let job = try #require(report.jobs.first { $0.name == "nightly" })
            #expect(job.finished == 4 && job.succeeded == 3)
            #expect(job.successRate == 0.75)
            #expect(job.durationP50Seconds == 2)
            #expect(abs((job.durationP95Seconds ?? 0) - 2.9) < 1e-9)
            let fraud = try #require(report.models.first { $0.name == "fraud" })
            #expect(fraud.versions == 2 && fraud.latestVersion == 2 && fraud.aliases == ["production=1"])
            #expect(report.models.first { $0.name == "churn" }?.versions == 1)
            #expect(report.backups.newestVerified == manifest.id.value)
            #expect(report.backups.failedInWindow == 0)
            #expect(report.databaseBytes > 0 && report.largestTables.count == 5)
        }
    }
}

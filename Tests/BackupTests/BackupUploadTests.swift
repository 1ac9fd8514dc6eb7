import Backup
import Foundation
import ObjectStore
import Postgres
import TestSupport
import Testing

@Suite("Off-site copies and retention (real S3 protocol against the local server)")
struct BackupUploadTests {
    @Test("s3-upload run twice uploads once, and a set only in the bucket can be verified and restored")
    func uploadIsIdempotent() async throws {
        try await BackupHarness.with(remote: true) { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .full))
            let uploader = BackupUploader(harness.environment)
            let first = try await uploader.upload(artifacts: true)
            #expect(first.uploaded.count == manifest.files.count + 1)
            #expect(first.skipped == 0)
            #expect(first.artifactsUploaded == 4, "every stored artifact is mirrored, the deleted version's too until gc")
            let remote = try #require(harness.environment.remote)
            #expect(first.uploaded.last == remote.key(manifest.id, file: "manifest.json"), "the manifest goes last")
            #expect(first.uploaded.allSatisfy { $0.hasPrefix("nomaly/" + manifest.id.datePath + manifest.id.value + "/") })

            let second = try await uploader.upload(artifacts: true)
            #expect(second.uploaded.isEmpty)
            #expect(second.skipped == manifest.files.count + 1)
            #expect(second.artifactsUploaded == 0 && second.artifactsSkipped == 4)
            for file in manifest.files {
                let info = try #require(try await remote.store.head(key: remote.key(manifest.id, file: file.name)))
                #expect(info.size == file.size && info.sha256 == file.sha256)
            }

            // The local copy is lost: verify and restore download the set.
            try FileManager.default.removeItem(atPath: harness.environment.setPath(manifest.id))
            let listing = try await BackupCatalog(harness.environment).list()
            #expect(listing.first { $0.id == manifest.id.value }?.local == nil)
            #expect(listing.first { $0.id == manifest.id.value }?.remote != nil)
            try await BackupVerifier(harness.environment).verify(manifest.id)
            let before = try await harness.tableChecksums()
            let report = try await BackupRestorer(harness.environment).restore(
                manifest.id,
                .init(scope: .database, confirmed: true, migrations: try harness.migrations())
            )
            #expect(report.downloaded)
            var after = try await harness.tableChecksums()
            var expected = before
            after.removeValue(forKey: "backups")
            expected.removeValue(forKey: "backups")
            #expect(after == expected)
        }
    }

    @Test("retention deletes exactly the expected sets, locally and in the bucket, and keeps the newest verified one")
    func retention() async throws {
        try await BackupHarness.with(remote: true) { harness in
            try await harness.populate()
            let now = Date()
            let day = 86_400.0
            // Database sets aged 40, 35, 10 and 1 days; model sets aged 9…1 days.
            var databaseIDs: [BackupSetID] = []
            for age in [40.0, 35, 10, 1] {
                let date = now.addingTimeInterval(-age * day)
                databaseIDs.append(try await BackupCreator(harness.environment).create(.init(scope: .database), now: { date }).id)
            }
            var modelIDs: [BackupSetID] = []
            for age in stride(from: 9.0, through: 1, by: -1) {
                let date = now.addingTimeInterval(-age * day + 3600)
                modelIDs.append(try await BackupCreator(harness.environment).create(.init(scope: .models, verify: age != 1), now: { date }).id)
            }
            // An old failed attempt, whose row alone is cleaned up.
            try await harness.pool.execute(
                "INSERT INTO backups (id, kind, status, location, error, started_at) VALUES ('20200101_000000', 'full', 'failed', '/x', 'test', '2020-01-01')"
            )
            try await BackupUploader(harness.environment).upload()

            let plan = try await Cleanup(harness.environment).run(.init(dryRun: true, collectArtifacts: false), now: now)
            let expected = (databaseIDs.prefix(2) + modelIDs.prefix(2)).map(\.value).sorted()
            #expect(plan.localSets.sorted() == expected)
            #expect(plan.remoteSets.sorted() == expected)
            #expect(try BackupCatalog(harness.environment).localSets().count == 13, "a dry run deletes nothing")

            let done = try await Cleanup(harness.environment).run(.init(collectArtifacts: false), now: now)
            #expect(done.localSets.sorted() == expected)
            #expect(done.remoteSets.sorted() == expected)
            #expect(done.failedRecords == 1)
            #expect(done.bytesReclaimed > 0)
            let keptLocal = try BackupCatalog(harness.environment).localSets().map(\.id.value).sorted()
            let keptRemote = try await BackupCatalog(harness.environment).remoteSets().map(\.id.value).sorted()
            let survivors = (databaseIDs.suffix(2) + modelIDs.suffix(7)).map(\.value).sorted()
            #expect(keptLocal == survivors)
            #expect(keptRemote == survivors)
            let rows = try await harness.pool.query("SELECT id FROM backups ORDER BY id").decode(String.self)
            #expect(rows == survivors)

            // Were every database set too old, the newest verified one would still be kept.
            let later = now.addingTimeInterval(100 * day)
            let again = try await Cleanup(harness.environment).run(.init(dryRun: true, collectArtifacts: false), now: later)
            #expect(!again.localSets.contains(databaseIDs[3].value))
            #expect(again.localSets.contains(databaseIDs[2].value))
        }
    }

    @Test("without a bucket, upload refuses with a clear message")
    func noBucket() async throws {
        try await BackupHarness.with { harness in
            await expectBackupError(.refused, "no bucket is configured") {
                _ = try await BackupUploader(harness.environment).upload()
            }
        }
    }
}

@Suite("The operations report (real Postgres)")
struct OperationsReportTests {
    @Test("per job success rate and durations, per model versions and aliases, backup freshness")
    func report() async throws {
        try await BackupHarness.with { harness in
            try await harness.populate()
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

import Backup
import BackupFixtures
import Foundation
import Maintenance
import Postgres
import TestSupport
import Testing

@Suite("The clean-up: retention of backups, locally and in the bucket (real Postgres and S3 protocol)")
struct CleanupTests {
    @Test("retention deletes exactly the expected sets, locally and in the bucket, and keeps the newest verified one")
    func retention() async throws {
        try await BackupHarness.with(remote: true) { harness in
            try await harness.populateModels()
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

            let plan = try await Cleanup(harness.environment, registry: harness.registry).run(.init(dryRun: true, collectArtifacts: false), now: now)
            let expected = (databaseIDs.prefix(2) + modelIDs.prefix(2)).map(\.value).sorted()
            #expect(plan.localSets.sorted() == expected)
            #expect(plan.remoteSets.sorted() == expected)
            #expect(try BackupSets(harness.environment).localSets().count == 13, "a dry run deletes nothing")

            let done = try await Cleanup(harness.environment, registry: harness.registry).run(.init(collectArtifacts: false), now: now)
            #expect(done.localSets.sorted() == expected)
            #expect(done.remoteSets.sorted() == expected)
            #expect(done.failedRecords == 1)
            #expect(done.bytesReclaimed > 0)
            let keptLocal = try BackupSets(harness.environment).localSets().map(\.id.value).sorted()
            let keptRemote = try await BackupSets(harness.environment).remoteSets().map(\.id.value).sorted()
            let survivors = (databaseIDs.suffix(2) + modelIDs.suffix(7)).map(\.value).sorted()
            #expect(keptLocal == survivors)
            #expect(keptRemote == survivors)
            let rows = try await harness.pool.query("SELECT id FROM backups ORDER BY id").decode(String.self)
            #expect(rows == survivors)

            // Were every database set too old, the newest verified one would still be kept.
            let later = now.addingTimeInterval(100 * day)
            let again = try await Cleanup(harness.environment, registry: harness.registry).run(
                .init(dryRun: true, collectArtifacts: false),
                now: later
            )
            #expect(!again.localSets.contains(databaseIDs[3].value))
            #expect(again.localSets.contains(databaseIDs[2].value))
        }
    }
}

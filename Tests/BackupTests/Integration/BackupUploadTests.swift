import Backup
import BackupFixtures
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
            let listing = try await BackupSets(harness.environment).list()
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

    @Test("without a bucket, upload refuses with a clear message")
    func noBucket() async throws {
        try await BackupHarness.with { harness in
            await expectBackupError(.refused, "no bucket is configured") {
                _ = try await BackupUploader(harness.environment).upload()
            }
        }
    }
}

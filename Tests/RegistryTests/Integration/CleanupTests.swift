import Audit
import Foundation
import JSONValues
import Modeling
import ObjectStore
import Postgres
import Registry
import TestSupport
import Testing

@Suite("Deleting versions and collecting artifact garbage (real Postgres, files and S3)")
struct CleanupTests {
    @Test("delete is refused while an alias points at the version, allowed after; the version then disappears")
    func deleteVersion() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            let registry = harness.registry
            for _ in 0..<3 { _ = try await registry.register(model: "fraud", artifact: artifact, actor: "ana") }
            try await registry.promote(model: "fraud", version: 3, alias: "production", actor: "ana")
            try await registry.promote(model: "fraud", version: 3, alias: "staging", actor: "ana")
            await expectRegistryError(.refused, "fraud:3 is what production, staging point at") {
                try await registry.delete(model: "fraud", version: 3, actor: "ana")
            }
            try await registry.promote(model: "fraud", version: 1, alias: "production", actor: "ana")
            try await registry.removeAlias(model: "fraud", alias: "staging", actor: "ana")
            try await registry.delete(model: "fraud", version: 3, actor: "bob")

            #expect(try await registry.versions(model: "fraud").versions.map(\.version) == [2, 1])
            let summary = try await registry.model("fraud")
            #expect(summary.versionCount == 2 && summary.latestVersion == 2)
            await expectRegistryError(.notFound, "fraud:3 was deleted") { _ = try await registry.resolve(.version(model: "fraud", version: 3)) }
            await expectRegistryError(.notFound, "fraud:3 was deleted") {
                try await registry.promote(model: "fraud", version: 3, alias: "production", actor: "ana")
            }
            await expectRegistryError(.notFound, "fraud:3 was deleted") { try await registry.delete(model: "fraud", version: 3, actor: "bob") }
            // Rolling production back would land on the deleted version: refused rather than resurrecting it.
            await expectRegistryError(.refused, "that version was deleted") {
                try await registry.rollback(model: "fraud", alias: "production", actor: "ana")
            }
            #expect(try await harness.audit.entries(limit: 1).first?.action == "model.delete")
            // Numbers are never reused.
            #expect(try await registry.register(model: "fraud", artifact: artifact, actor: "ana").version == 4)
        }
    }

    @Test("gc deletes artifacts only deleted versions use and old orphans, reports bytes; a dry run deletes nothing")
    func collectGarbageInFiles() async throws {
        let folder = try TemporaryFolder()
        let shared = try await ModelFactory.artifact(in: folder, seed: 1)
        let dropped = try await ModelFactory.artifact(in: folder, seed: 2)
        let kept = try await ModelFactory.artifact(in: folder, seed: 3)
        let orphan = try await ModelFactory.artifact(in: folder, seed: 4)
        let young = try await ModelFactory.artifact(in: folder, seed: 5)
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            let registry = harness.registry
            let v1 = try await registry.register(model: "fraud", artifact: shared, actor: "ana")
            let v2 = try await registry.register(model: "fraud", artifact: dropped, actor: "ana")
            _ = try await registry.register(model: "fraud", artifact: kept, actor: "ana")
            _ = try await registry.register(model: "other", artifact: shared, actor: "ana")
            try await registry.delete(model: "fraud", version: 1, actor: "ana")
            try await registry.delete(model: "fraud", version: 2, actor: "ana")

            // Orphans, as a registration whose transaction failed leaves them; one old, one fresh.
            let orphanKey = try await store(orphan, in: harness)
            let youngKey = try await store(young, in: harness)
            let root = folder.path + "/store/"
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: root + orphanKey)
            try folder.file("store/models/sha256/notes.txt", "not an artifact")
            let before = try await harness.storedKeys()

            let droppedKey = harness.artifacts.key(sha256: v2.artifactSha256)
            let sizes = try await harness.artifacts.store.list(prefix: "").reduce(into: [String: Int64]()) { $0[$1.key] = $1.size }
            let preview = try await registry.collectGarbage(dryRun: true)
            #expect(preview.dryRun)
            #expect(Set(preview.deletedKeys) == [droppedKey, orphanKey])
            #expect(preview.orphanKeys == [orphanKey])
            #expect(preview.unreferencedVersions == ["fraud:2"])
            #expect(preview.skippedRecentKeys == [youngKey])
            #expect(preview.foreignKeys == ["models/sha256/notes.txt"])
            #expect(preview.bytesReclaimed == sizes[droppedKey]! + sizes[orphanKey]!)
            #expect(try await harness.storedKeys() == before)

            let report = try await registry.collectGarbage(dryRun: false, actor: "ops")
            #expect(!report.dryRun && Set(report.deletedKeys) == Set(preview.deletedKeys) && report.bytesReclaimed == preview.bytesReclaimed)
            #expect(Set(try await harness.storedKeys()) == Set(before).subtracting([droppedKey, orphanKey]))
            // v1's artifact stays: "other" still uses it.
            try await harness.artifacts.fetch(sha256: v1.artifactSha256, to: folder.path + "/v1.tar.gz")
            let entry = try #require(try await harness.audit.entries(limit: 1).first)
            #expect(entry.action == "model.gc" && entry.actor == "ops" && entry.details["bytes"] == .integer(report.bytesReclaimed))

            let again = try await registry.collectGarbage(dryRun: false)
            #expect(again.deletedKeys.isEmpty && again.bytesReclaimed == 0)
        }
    }

    @Test("register, fetch and gc against S3: content-addressed objects under the prefix")
    func s3RoundTrip() async throws {
        let folder = try TemporaryFolder()
        let first = try await ModelFactory.artifact(in: folder, seed: 1)
        let second = try await ModelFactory.artifact(in: folder, seed: 2)
        let store = try await S3Buckets.makeStore(prefix: "nomaly")
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness(pool: pool, store: store, prefix: "models/")
            let registry = harness.registry
            let v1 = try await registry.register(model: "fraud", artifact: first, actor: "ana")
            let v2 = try await registry.register(model: "fraud", artifact: second, actor: "ana")
            _ = try await registry.register(model: "fraud", artifact: first, actor: "ana")
            #expect(v1.artifactUri == "s3://\(store.bucket)/nomaly/models/sha256/\(v1.artifactSha256.prefix(2))/\(v1.artifactSha256).tar.gz")
            #expect(try await harness.storedKeys().count == 2)

            let copy = folder.path + "/fetched.tar.gz"
            try await harness.artifacts.fetch(sha256: v2.artifactSha256, to: copy)
            #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data(contentsOf: URL(fileURLWithPath: second)))

            try await registry.delete(model: "fraud", version: 2, actor: "ana")
            let orphan = try await ModelFactory.artifact(in: folder, seed: 3)
            let orphanKey = try await self.store(orphan, in: harness)
            let report = try await registry.collectGarbage(dryRun: false, gracePeriod: .zero)
            #expect(Set(report.deletedKeys) == [harness.artifacts.key(sha256: v2.artifactSha256), orphanKey])
            #expect(try await harness.storedKeys() == [harness.artifacts.key(sha256: v1.artifactSha256)])
            await expectRegistryError(.notFound, "missing from the store") {
                try await harness.artifacts.fetch(sha256: v2.artifactSha256, to: copy)
            }
        }
    }

    @Test("fetch refuses content that does not match its name, leaving no file")
    func corruptArtifact() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            let version = try await harness.registry.register(model: "fraud", artifact: artifact, actor: "ana")
            try folder.file("store/" + harness.artifacts.key(sha256: version.artifactSha256), "tampered")
            await expectRegistryError(.storage, "is corrupt") {
                try await harness.artifacts.fetch(sha256: version.artifactSha256, to: folder.path + "/out.tar.gz")
            }
            #expect(!FileManager.default.fileExists(atPath: folder.path + "/out.tar.gz"))
        }
    }

    /// Stores an artifact without registering it, as a failed registration would.
    func store(_ artifact: String, in harness: RegistryHarness) async throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: artifact))
        let digest = try await ModelArtifact.load(artifact).sha256
        return try await harness.artifacts.store(file: artifact, sha256: digest, size: Int64(data.count))
    }
}

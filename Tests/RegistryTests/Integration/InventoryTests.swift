import Foundation
import Postgres
import Registry
import TestSupport
import Testing

@Suite("What other domains ask the registry: live artifacts and the model overview (real Postgres)")
struct InventoryTests {
    @Test("live artifacts: one per sha256 with every live version using it; deleted versions do not count")
    func liveArtifacts() async throws {
        let folder = try TemporaryFolder()
        let shared = try await ModelFactory.artifact(in: folder, seed: 1)
        let other = try await ModelFactory.artifact(in: folder, seed: 2)
        try await ScratchDatabase.withSchema { pool, _ in
            let registry = RegistryHarness.files(pool, folder).registry
            let fraud1 = try await registry.register(model: "fraud", artifact: shared, actor: "test")
            _ = try await registry.register(model: "churn", artifact: shared, actor: "test")
            let fraud2 = try await registry.register(model: "fraud", artifact: other, actor: "test")
            _ = try await registry.register(model: "fraud", artifact: other, actor: "test")
            try await registry.delete(model: "fraud", version: 3, actor: "test")

            let live = try await registry.liveArtifacts()
            #expect(live.map(\.sha256) == [fraud1.artifactSha256, fraud2.artifactSha256].sorted())
            let sharedEntry = try #require(live.first { $0.sha256 == fraud1.artifactSha256 })
            #expect(sharedEntry.versions == ["churn:1", "fraud:1"])
            #expect(sharedEntry.size == fraud1.artifactSize)
            #expect(live.first { $0.sha256 == fraud2.artifactSha256 }?.versions == ["fraud:2"])
        }
    }

    @Test("the overview counts live versions and lists aliases as alias=version, by model name")
    func overview() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        try await ScratchDatabase.withSchema { pool, _ in
            let registry = RegistryHarness.files(pool, folder).registry
            for _ in 1...3 { _ = try await registry.register(model: "fraud", artifact: artifact, actor: "test") }
            _ = try await registry.register(model: "churn", artifact: artifact, actor: "test")
            try await registry.promote(model: "fraud", version: 2, alias: "staging", actor: "test")
            try await registry.promote(model: "fraud", version: 1, alias: "production", actor: "test")
            try await registry.delete(model: "fraud", version: 3, actor: "test")

            let models = try await ModelRegistry.overview(in: pool)
            #expect(models.map(\.name) == ["churn", "fraud"])
            #expect(models[0].versions == 1 && models[0].latestVersion == 1 && models[0].aliases.isEmpty)
            #expect(models[1].versions == 2 && models[1].latestVersion == 2)
            #expect(models[1].aliases == ["production=1", "staging=2"])
        }
    }
}

import Foundation
import Postgres
import TestSupport
import Testing

@testable import Registry

@Suite("Listing 100,000 versions by keyset (real Postgres)")
struct VersionPagingTests {
    @Test("pages walk the live versions newest first without gaps or repeats, through the partial index")
    func keysetPaging() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            let registry = harness.registry
            _ = try await registry.register(model: "fraud", artifact: artifact, actor: "ana")
            // Versions 2…100000 copied from the first in one statement; every seventh is soft-deleted.
            try await pool.execute(
                """
                INSERT INTO model_versions (model_id, version, algorithm, params, metrics, feature_schema, artifact_sha256,
                    artifact_uri, artifact_size, nomaly_version, deleted_at)
                SELECT v.model_id, g, v.algorithm, v.params, v.metrics, v.feature_schema, v.artifact_sha256, v.artifact_uri,
                    v.artifact_size, v.nomaly_version, CASE WHEN g % 7 = 0 THEN now() END
                FROM model_versions v, generate_series(2, 100000) AS g
                WHERE v.version = 1
                """
            )
            try await pool.execute("UPDATE models SET next_version = 100001")
            try await pool.execute("ANALYZE model_versions")
            try await registry.promote(model: "fraud", version: 99_999, alias: "production", actor: "ana")

            let live = (1...100_000).reversed().filter { $0 % 7 != 0 }
            var walked: [Int] = []
            var cursor: Int?
            for _ in 0..<5 {
                let page = try await registry.versions(model: "fraud", limit: 50, before: cursor)
                #expect(page.versions.count == 50)
                walked += page.versions.map(\.version)
                let next = try #require(page.nextCursor)
                #expect(next == page.versions.last?.version)
                cursor = next
            }
            #expect(walked == Array(live.prefix(250)))
            let first = try await registry.versions(model: "fraud", limit: 3)
            #expect(first.versions.map(\.aliases) == [[], ["production"], []])

            let tail = try await registry.versions(model: "fraud", limit: 50, before: 20)
            #expect(tail.versions.map(\.version) == (1..<20).reversed().filter { $0 % 7 != 0 })
            #expect(tail.nextCursor == nil)
            let summary = try await registry.model("fraud")
            #expect(summary.versionCount == live.count && summary.latestVersion == 100_000)

            let modelID = try await pool.query("SELECT id FROM models WHERE name = 'fraud'").first!.decode(Int64.self)
            for before in [nil, 50_000] as [Int?] {
                let plan = try await pool.query("EXPLAIN (FORMAT JSON) " + ModelRegistry.versionPageSQL, [modelID, before, 51]).first!.decode(
                    String.self
                )
                let nodes = try Self.planNodes(plan)
                #expect(nodes.contains { $0["Index Name"] as? String == "model_versions_live" }, "\(plan)")
                #expect(!nodes.contains { $0["Node Type"] as? String == "Sort" }, "\(plan)")
                #expect(!nodes.contains { $0["Node Type"] as? String == "Seq Scan" && $0["Relation Name"] as? String == "model_versions" }, "\(plan)")
            }
        }
    }

    /// Every node of an `EXPLAIN (FORMAT JSON)` plan.
    static func planNodes(_ json: String) throws -> [[String: Any]] {
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        var pending = document?.compactMap { $0["Plan"] as? [String: Any] } ?? []
        var nodes: [[String: Any]] = []
        while let node = pending.popLast() {
            nodes.append(node)
            pending += node["Plans"] as? [[String: Any]] ?? []
        }
        return nodes
    }
}

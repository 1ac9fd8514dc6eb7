import Foundation
import Modeling
import ObjectStore
import Registry
import TestSupport
import Testing

@Suite("Detector cache")
struct DetectorCacheTests {
    /// Artifacts stored (not registered) in a file store; returns the store and their sha256s.
    func storedArtifacts(_ folder: TemporaryFolder, count: Int) async throws -> (ArtifactStore, [String]) {
        let artifacts = ArtifactStore(store: FileStore(root: folder.path + "/store"), prefix: "models/")
        var hashes: [String] = []
        for seed in 1...count {
            let path = try await ModelFactory.artifact(in: folder, seed: UInt64(seed))
            let sha256 = try await ModelArtifact.load(path).sha256
            let size = Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count)
            try await artifacts.store(file: path, sha256: sha256, size: size)
            hashes.append(sha256)
        }
        return (artifacts, hashes)
    }

    @Test("one sha256 is fetched and loaded once, also by concurrent callers; the loaded model is the artifact's")
    func sharedLoads() async throws {
        let folder = try TemporaryFolder()
        let (artifacts, hashes) = try await storedArtifacts(folder, count: 1)
        let scratch = try TemporaryFolder()
        let cache = DetectorCache(artifacts: artifacts, capacity: 2, scratchDirectory: scratch.path)
        let loaded = try await withThrowingTaskGroup(of: ModelArtifact.self) { group in
            for _ in 0..<8 { group.addTask { try await cache.model(sha256: hashes[0]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let again = try await cache.model(sha256: hashes[0])
        #expect(await cache.statistics == .init(hits: 8, loads: 1, entries: 1))
        #expect(loaded.allSatisfy { $0.sha256 == hashes[0] && $0.manifest == again.manifest })
        #expect(again.manifest.detector == "isolation-forest" && again.manifest.features.count == 3)
        // The downloaded tarball was removed once loaded.
        #expect(try scratch.names().isEmpty)
    }

    @Test("the least recently used model goes when the cache is full; failures are not cached")
    func eviction() async throws {
        let folder = try TemporaryFolder()
        let (artifacts, hashes) = try await storedArtifacts(folder, count: 3)
        let cache = DetectorCache(artifacts: artifacts, capacity: 2)
        _ = try await cache.model(sha256: hashes[0])
        _ = try await cache.model(sha256: hashes[1])
        _ = try await cache.model(sha256: hashes[0])
        _ = try await cache.model(sha256: hashes[2])
        #expect(await cache.statistics == .init(hits: 1, loads: 3, entries: 2))
        _ = try await cache.model(sha256: hashes[0])
        #expect(await cache.statistics.hits == 2)
        _ = try await cache.model(sha256: hashes[1])
        #expect(await cache.statistics.loads == 4)

        let missing = String(repeating: "0", count: 64)
        await expectRegistryError(.notFound, "missing from the store") { _ = try await cache.model(sha256: missing) }
        await expectRegistryError(.notFound) { _ = try await cache.model(sha256: missing) }
        #expect(await cache.statistics.loads == 6)
        #expect(await cache.statistics.entries == 2)
    }
}

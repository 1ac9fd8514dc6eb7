package import Archive
import Foundation
package import Modeling

/// Loaded models kept in memory by artifact sha256, so that scoring does not download and unpack an artifact for
/// every request or run.
///
/// A bounded LRU: the least recently used entry goes once a new one has loaded and the cache holds more than `capacity`
/// (loads still in progress may briefly exceed it). Concurrent callers asking for one sha256 share one download and
/// load; a failed load is not cached, so the next caller tries again. Artifacts are immutable and content-addressed,
/// so an entry never goes stale.
///
/// ```swift
/// let cache = DetectorCache(artifacts: registry.artifacts, capacity: 8)
/// let version = try await registry.resolve(try ModelReference.parse("fraud@production"))
/// let model = try await cache.model(sha256: version.artifactSha256)
/// let scores = model.detector.score(matrix, threads: 4)
/// ```
package actor DetectorCache {
    /// How the cache has fared, for metrics and tests.
    package struct Statistics: Sendable, Equatable {
        /// Requests answered from memory, including ones that joined a load in progress.
        package var hits: Int
        /// Downloads and loads started.
        package var loads: Int
        package var entries: Int

        package init(hits: Int, loads: Int, entries: Int) {
            self.hits = hits
            self.loads = loads
            self.entries = entries
        }
    }

    package let artifacts: ArtifactStore
    package let capacity: Int
    package let limits: ArchiveLimits
    private let scratchDirectory: String
    /// Finished loads and loads in progress alike: a finished task hands out its value at once.
    private var entries: [String: Task<ModelArtifact, any Error>] = [:]
    /// Keys from least to most recently used.
    private var order: [String] = []
    private var hits = 0
    private var loads = 0

    /// - Parameters:
    ///   - capacity: models kept at most (at least 1).
    ///   - scratchDirectory: where artifacts are downloaded to before they are unpacked (the temporary folder when nil); each file
    ///     is removed after loading.
    package init(artifacts: ArtifactStore, capacity: Int = 8, limits: ArchiveLimits = .default, scratchDirectory: String? = nil) {
        self.artifacts = artifacts
        self.capacity = max(capacity, 1)
        self.limits = limits
        self.scratchDirectory = scratchDirectory ?? NSTemporaryDirectory()
    }

    /// The loaded model whose artifact has this sha256, fetched and unpacked on first use.
    /// - Throws: ``RegistryError`` `.notFound` or `.storage` when the artifact cannot be fetched, `.invalidArtifact` when
    ///   it does not load.
    package func model(sha256: String) async throws -> ModelArtifact {
        let task: Task<ModelArtifact, any Error>
        if let existing = entries[sha256] {
            hits += 1
            task = existing
        } else {
            loads += 1
            task = Task { [artifacts, limits, scratchDirectory] in
                try await Self.load(sha256: sha256, artifacts: artifacts, limits: limits, scratchDirectory: scratchDirectory)
            }
            entries[sha256] = task
        }
        touch(sha256)
        do {
            let model = try await task.value
            // Evicting only once a load succeeded keeps a failing sha256 from pushing good models out.
            evictIfNeeded()
            return model
        } catch {
            // Only the failed load is forgotten, not a newer one that another caller started since.
            if entries[sha256] == task {
                entries[sha256] = nil
                order.removeAll { $0 == sha256 }
            }
            throw error
        }
    }

    package var statistics: Statistics {
        Statistics(hits: hits, loads: loads, entries: entries.count)
    }

    /// Forgets every entry (models in use stay valid for their holders).
    package func removeAll() {
        entries.removeAll()
        order.removeAll()
    }

    private func touch(_ sha256: String) {
        order.removeAll { $0 == sha256 }
        order.append(sha256)
    }

    private func evictIfNeeded() {
        while entries.count > capacity, let oldest = order.first {
            order.removeFirst()
            entries[oldest] = nil
        }
    }

    private static func load(sha256: String, artifacts: ArtifactStore, limits: ArchiveLimits, scratchDirectory: String) async throws -> ModelArtifact
    {
        let path = (scratchDirectory.hasSuffix("/") ? scratchDirectory : scratchDirectory + "/") + "nomaly-artifact-\(UUID().uuidString).tar.gz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await artifacts.fetch(sha256: sha256, to: path)
        do {
            return try await ModelArtifact.load(path, limits: limits)
        } catch let error as ModelingError {
            throw RegistryError(.invalidArtifact, "the artifact \(artifacts.uri(sha256: sha256)) does not load: \(error.message)")
        }
    }
}

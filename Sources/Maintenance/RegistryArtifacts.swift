package import Backup
package import ObjectStore
package import Registry

/// The registry's artifacts as backups see them: its artifact store, and the artifacts its live versions use.
///
/// ```swift
/// let backups = BackupEnvironment(pool: pool, directory: "/var/lib/nomaly/backups", artifacts: RegistryArtifacts(registry),
///                                 nomalyVersion: NomalyVersion.current, logger: logger)
/// ```
package struct RegistryArtifacts: BackupArtifacts {
    package let registry: ModelRegistry

    package init(_ registry: ModelRegistry) {
        self.registry = registry
    }

    package var store: any ObjectStore { registry.artifacts.store }
    package var keyPrefix: String { registry.artifacts.keyPrefix }
    package func key(sha256: String) -> String { registry.artifacts.key(sha256: sha256) }
    package func sha256(ofKey key: String) -> String? { registry.artifacts.sha256(ofKey: key) }

    package func exists(sha256: String, size: Int64) async throws -> Bool {
        try await registry.artifacts.exists(sha256: sha256, size: size)
    }

    @discardableResult
    package func store(file path: String, sha256: String, size: Int64) async throws -> String {
        try await registry.artifacts.store(file: path, sha256: sha256, size: size)
    }

    package func liveObjects() async throws -> [BackupManifest.ArtifactObject] {
        try await registry.liveArtifacts().map { .init(sha256: $0.sha256, key: key(sha256: $0.sha256), size: $0.size, versions: $0.versions) }
    }
}

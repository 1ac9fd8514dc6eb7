import Config
import Foundation
import Jobs
import ObjectStore
import Postgres
import Registry

extension Runtime {
    /// The artifact store named by `NOMALY_ARTIFACTS`.
    func artifactStore() throws -> ArtifactStore {
        let text = configuration.artifacts
        let s3 = text.hasPrefix("s3://") ? try S3Settings().configuration : nil
        let location = try ObjectLocation.parsePrefix(text, s3: s3, logger: logger)
        return ArtifactStore(store: location.store, prefix: location.key.isEmpty || location.key.hasSuffix("/") ? location.key : location.key + "/")
    }

    /// The registry and the train/score machinery over an open pool.
    func modelServices(pool: PostgresPool) throws -> ModelServices {
        let artifacts = try artifactStore()
        let registry = ModelRegistry(pool: pool, artifacts: artifacts, limits: configuration.archiveLimits, logger: logger)
        let s3 = try? S3Settings().configuration
        return ModelServices(
            pool: pool,
            registry: registry,
            cache: DetectorCache(artifacts: artifacts, limits: configuration.archiveLimits),
            specsDirectory: configuration.registryDirectory,
            s3: s3,
            nomalyVersion: NomalyVersion.current
        )
    }

    /// Who a CLI change is attributed to in the audit log and alias history.
    static var cliActor: String {
        "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown")
    }
}

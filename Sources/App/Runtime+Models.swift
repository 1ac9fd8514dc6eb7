import AdminAPI
import Backup
import Foundation
package import Jobs
package import ObjectStore
package import Postgres
package import Registry

extension Runtime {
    /// The artifact store named by `NOMALY_ARTIFACTS`.
    package func artifactStore() throws -> ArtifactStore {
        let text = configuration.folders.artifacts
        let s3 = text.hasPrefix("s3://") ? try configuration.s3.get().configuration : nil
        let location = try ObjectLocation.parsePrefix(text, s3: s3, logger: logger)
        return ArtifactStore(store: location.store, prefix: location.key.isEmpty || location.key.hasSuffix("/") ? location.key : location.key + "/")
    }

    /// The registry over an open pool, its artifacts in the store `NOMALY_ARTIFACTS` names.
    package func modelRegistry(pool: PostgresPool) throws -> ModelRegistry {
        ModelRegistry(pool: pool, artifacts: try artifactStore(), limits: configuration.archiveLimits, logger: logger)
    }

    /// The registry and the train/score machinery over an open pool.
    package func modelServices(pool: PostgresPool) throws -> ModelServices {
        let registry = try modelRegistry(pool: pool)
        let s3 = try configuration.s3.get().configuration
        return ModelServices(
            pool: pool,
            registry: registry,
            cache: DetectorCache(artifacts: registry.artifacts, limits: configuration.archiveLimits),
            specsDirectory: configuration.folders.registryDirectory,
            s3: s3,
            nomalyVersion: NomalyVersion.current,
            scoringLocations: try scoringLocations(artifacts: registry.artifacts),
            maxInputBytes: configuration.scoring.maxInputBytes
        )
    }

    /// `NOMALY_SCORING_S3_PREFIXES`, the scoring folder and what scoring must never touch: the artifact store and the
    /// backups, here and off-site. The one place the rule is finished: job files are judged by it as they load
    /// (`nomaly check`, and `nomaly serve` before it opens the database), API requests when they arrive and runs when
    /// they start (``ModelServices`` and the API take it as it is), all with the same protected locations.
    /// - Parameter artifacts: the artifact store already built, if any; otherwise the one `NOMALY_ARTIFACTS` names.
    /// - Throws: when the artifact store or the off-site backups cannot be named (bad S3 settings): the rule would be
    ///   incomplete, so there is none.
    package func scoringLocations(artifacts: ArtifactStore? = nil) throws -> ScoringLocations {
        var locations = ScoringLocations(
            s3Prefixes: configuration.scoring.s3Prefixes,
            protected: [ProtectedLocation(name: "the backup folder (NOMALY_BACKUP_DIR)", place: .folder(configuration.backups.directory))],
            scoringDirectory: configuration.http.scoringDirectory
        )
        let artifacts = try artifacts ?? artifactStore()
        locations.protectArtifactStore(artifacts.store, prefix: artifacts.prefix)
        if let remote = try remoteBackups() {
            let setting = configuration.backups.remote == nil ? "S3_BUCKET, S3_PREFIX" : "NOMALY_BACKUP_S3"
            locations.protect("the off-site backups (\(setting))", store: remote.store, prefix: remote.prefix)
        }
        return locations
    }

    /// Who a CLI change is attributed to in the audit log and alias history.
    /// `USER` or `LOGNAME` as a login shell sets them; containers and cron often set neither, and then the account the
    /// process runs as names the actor rather than "unknown".
    package static var cliActor: String {
        let environment = ProcessInfo.processInfo.environment
        if let name = environment["USER"] ?? environment["LOGNAME"], !name.isEmpty { return "cli:" + name }
        if let account = getpwuid(geteuid()), let name = account.pointee.pw_name { return "cli:" + String(cString: name) }
        return "cli:uid-\(geteuid())"
    }
}

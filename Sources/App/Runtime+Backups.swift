import AdminAPI
package import Backup
import Foundation
package import Maintenance
package import ObjectStore
package import Postgres
package import Registry
import Settings

extension Runtime {
    /// What backups, restores, uploads and clean-ups work with, over the registry's pool and artifacts.
    package func backupEnvironment(registry: ModelRegistry) throws -> BackupEnvironment {
        BackupEnvironment(
            pool: registry.pool,
            directory: configuration.backups.directory,
            artifacts: RegistryArtifacts(registry),
            remote: try remoteBackups(),
            encryptionKeyFile: configuration.backups.encryptionKeyFile,
            signingKeyFile: configuration.backups.signingKeyFile,
            binDirectory: configuration.postgres.binDirectory,
            archiveLimits: configuration.archiveLimits,
            nomalyVersion: NomalyVersion.current,
            logger: logger
        )
    }

    /// `NOMALY_BACKUP_S3`, else `s3://BUCKET/S3_PREFIX` + `backups/` when a bucket is configured, else nil.
    package func remoteBackups() throws -> RemoteBackups? {
        let settings = try configuration.s3.get()
        let text: String
        if let remote = configuration.backups.remote {
            text = remote
        } else if let bucket = settings.configuration.bucket {
            text = "s3://\(bucket)/\(settings.configuration.prefix)backups/"
        } else {
            return nil
        }
        let location = try ObjectLocation.parsePrefix(text, s3: settings.configuration, logger: logger)
        return RemoteBackups(store: location.store, prefix: location.key)
    }

    /// Loads the configuration, opens the database and runs `body` with the backup environment over it: what every
    /// `nomaly backup` command starts with.
    package static func withBackups<Result>(quiet: Bool = true, _ body: (Runtime, BackupEnvironment) async throws -> Result) async throws -> Result {
        try await withMaintenance(quiet: quiet) { runtime, environment, _ in try await body(runtime, environment) }
    }

    /// ``withBackups(quiet:_:)`` with the registry the environment's artifacts come from: what `nomaly cleanup` starts
    /// with.
    package static func withMaintenance<Result>(
        quiet: Bool = true,
        _ body: (Runtime, BackupEnvironment, ModelRegistry) async throws -> Result
    ) async throws -> Result {
        let runtime = try Runtime.load(quiet: quiet)
        return try await runtime.withDatabase { pool in
            let registry = try runtime.modelRegistry(pool: pool)
            return try await body(runtime, try runtime.backupEnvironment(registry: registry), registry)
        }
    }
}

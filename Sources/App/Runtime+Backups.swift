import AdminAPI
package import Backup
import Foundation
import Maintenance
import ObjectStore
import Postgres
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

    /// Opens the database and runs `body` with the backups over it: what every `nomaly backup` command and
    /// `nomaly cleanup` start with.
    package func withBackups<Result>(_ body: (BackupOperations) async throws -> Result) async throws -> Result {
        try await withDatabase { pool in
            try await body(try BackupOperations(runtime: self, registry: try modelRegistry(pool: pool)))
        }
    }
}

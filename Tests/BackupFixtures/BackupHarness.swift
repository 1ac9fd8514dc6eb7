package import Backup
import Foundation
import Maintenance
import ObjectStore
package import Postgres
package import Registry
package import TestSupport

/// A scratch database with the schema, a registry over a local artifact folder, and a backup folder (and, with
/// `remote`, a bucket of the local S3 server): what backups, restores, the clean-up and the report work on.
///
/// Shared by BackupTests and MaintenanceTests, which need the same world; what only one of them checks (table
/// checksums, waiver audits) stays in that target as an extension.
package struct BackupHarness: Sendable {
    package let pool: PostgresPool
    package let scratch: ScratchDatabase
    package let folder: TemporaryFolder
    package let registry: ModelRegistry
    package var environment: BackupEnvironment

    package var artifactRoot: String { folder.path + "/artifacts" }

    /// Runs `body` with a fresh harness; the scratch database is dropped afterwards.
    /// - Parameters:
    ///   - remote: also give the environment a fresh bucket on the local S3 server (needs `S3_ENDPOINT`).
    ///   - keyFile: the encryption key file the backups use, if any.
    ///   - signingKeyFile: the signing key file the backups use, if any.
    package static func with<Result>(
        remote: Bool = false,
        keyFile: String? = nil,
        signingKeyFile: String? = nil,
        _ body: (BackupHarness) async throws -> Result
    ) async throws -> Result {
        try await ScratchDatabase.withSchema { pool, scratch in
            let folder = try TemporaryFolder("nomaly-backup")
            let artifacts = ArtifactStore(store: FileStore(root: folder.path + "/artifacts"), prefix: "")
            let registry = ModelRegistry(pool: pool, artifacts: artifacts, logger: TestEnvironment.logger)
            var environment = BackupEnvironment(
                pool: pool,
                directory: folder.path + "/backups",
                artifacts: RegistryArtifacts(registry),
                encryptionKeyFile: keyFile,
                signingKeyFile: signingKeyFile,
                nomalyVersion: "test",
                logger: TestEnvironment.logger
            )
            if remote {
                environment.remote = RemoteBackups(store: try await S3Buckets.makeStore(name: "backups"), prefix: "nomaly/")
            }
            return try await body(BackupHarness(pool: pool, scratch: scratch, folder: folder, registry: registry, environment: environment))
        }
    }

    /// Models `fraud` (versions 1 and 2, `production` at 1) and `churn` (version 1, `production` at 1; version 2
    /// deleted).
    package func populateModels() async throws {
        for (index, model) in ["fraud", "churn"].enumerated() {
            for seed in 1...2 {
                let path = try await ModelFactory.artifact(in: folder, seed: UInt64(index * 10 + seed))
                _ = try await registry.register(model: model, artifact: path, actor: "test")
            }
            try await registry.promote(model: model, version: 1, alias: "production", actor: "test")
        }
        try await registry.delete(model: "churn", version: 2, actor: "test")
    }
}

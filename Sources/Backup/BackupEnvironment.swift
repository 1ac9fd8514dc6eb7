package import Archive
import Foundation
package import Logging
package import ObjectStore
package import Postgres

/// Everything backup, restore, upload and clean-up work with, built once by the CLI or the daemon.
///
/// ```swift
/// let backups = BackupEnvironment(pool: pool, directory: "/var/lib/nomaly/backups", artifacts: artifacts, logger: logger)
/// let manifest = try await BackupCreator(backups).create(.init(scope: .full))
/// ```
package struct BackupEnvironment: Sendable {
    /// Where records go (`backups` table) and, by default, the database that is dumped and restored.
    package let pool: PostgresPool
    /// The database to dump and restore; `pool`'s own unless a test points it elsewhere.
    package var source: PostgresConfiguration
    /// `NOMALY_BACKUP_DIR`: one folder per set.
    package let directory: String
    /// The model artifacts a set bundles or lists and a models restore puts back.
    package let artifacts: any BackupArtifacts
    /// Where sets go off-site (`s3://bucket/prefix/`); nil until S3 is configured.
    package var remote: RemoteBackups?
    /// `ENCRYPTION_KEY_FILE`: when set, every file of a new set is encrypted and its manifest signed, encrypted sets
    /// can be read, and sets without encryption or signature are refused unless the operator waives it.
    package var encryptionKeyFile: String?
    /// `NOMALY_BACKUP_SIGNING_KEY_FILE`: signs the manifests of unencrypted sets (when `ENCRYPTION_KEY_FILE` is unset)
    /// and checks sets it signed; while set, unsigned sets are refused unless the operator waives it.
    package var signingKeyFile: String?
    /// `NOMALY_PG_BINDIR`.
    package var binDirectory: String?
    /// The client programs found for each server version, shared by copies of this environment.
    let tools = PostgresToolsCache()
    package var archiveLimits: ArchiveLimits
    package var nomalyVersion: String
    package let logger: Logger
    /// Tests only: where a test changes the backup folder as an attacker could.
    var hooks = BackupHooks()

    package init(
        pool: PostgresPool,
        directory: String,
        artifacts: any BackupArtifacts,
        remote: RemoteBackups? = nil,
        encryptionKeyFile: String? = nil,
        signingKeyFile: String? = nil,
        binDirectory: String? = nil,
        archiveLimits: ArchiveLimits = .default,
        nomalyVersion: String,
        logger: Logger
    ) {
        self.pool = pool
        source = pool.configuration
        self.directory = directory
        self.artifacts = artifacts
        self.remote = remote
        self.encryptionKeyFile = encryptionKeyFile
        self.signingKeyFile = signingKeyFile
        self.binDirectory = binDirectory
        self.archiveLimits = archiveLimits
        self.nomalyVersion = nomalyVersion
        self.logger = logger
    }

    /// Both keys, read at each command so that a rotated key file takes effect without a restart.
    /// - Throws: ``BackupError/Code/key`` naming the setting whose file cannot be read or holds no key.
    func keys() throws(BackupError) -> BackupKeys {
        BackupKeys(
            encryption: try encryptionKeyFile.map { path throws(BackupError) in try BackupKeys.load(BackupKeys.encryptionSetting, at: path) },
            signing: try signingKeyFile.map { path throws(BackupError) in try BackupKeys.load(BackupKeys.signingSetting, at: path) }
        )
    }

    package func setPath(_ id: BackupSetID) -> String { directory + "/" + id.value }

    /// Whether the artifacts live in a local folder, which a set can bundle and a restore can replace.
    package var localArtifactRoot: String? { (artifacts.store as? FileStore)?.root }
}

/// Points in verify and restore where a test changes the backup folder the way someone who can write to it could, to
/// show that what was checked is what is used.
struct BackupHooks: Sendable {
    /// After a local set's manifest was authenticated, before anything else of the set is read; gets its folder.
    var afterAuthentication: (@Sendable (_ folder: String) async throws -> Void)?
    /// After every file of the set was checked, before pg_restore or the artifact extraction reads any of them.
    var afterFilesChecked: (@Sendable (_ set: FetchedSet, _ scratch: PrivateScratch) async throws -> Void)?
}

/// Off-site copies: a store (an S3 bucket) and the prefix sets go under, as `PREFIX/YYYY/MM/DD/ID/FILE`.
package struct RemoteBackups: Sendable {
    package let store: any ObjectStore
    /// Empty or ending in `/`.
    package let prefix: String

    package init(store: any ObjectStore, prefix: String) {
        self.store = store
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    package func key(_ id: BackupSetID, file: String) -> String { prefix + id.datePath + id.value + "/" + file }

    /// Where artifacts are mirrored: content-addressed keys never change, so they are kept once, not per day.
    package var artifactPrefix: String { prefix + "artifacts/" }

    package var description: String {
        let location = store.locationDescription
        return (location.hasSuffix("/") ? location : location + "/") + prefix
    }
}

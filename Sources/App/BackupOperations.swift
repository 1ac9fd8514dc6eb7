package import Backup
import Foundation
package import Maintenance
import Registry

/// What `nomaly backup` and `nomaly cleanup` do, over one backup environment: the CLI asks this, never the
/// creator, verifier, restorer or uploader themselves.
package struct BackupOperations: Sendable {
    package let environment: BackupEnvironment
    private let registry: ModelRegistry
    private let runtime: Runtime

    init(runtime: Runtime, registry: ModelRegistry) throws {
        self.runtime = runtime
        self.registry = registry
        environment = try runtime.backupEnvironment(registry: registry)
    }

    /// Makes a set (verified unless `verify` is false) and, with `upload`, copies it off-site afterwards.
    /// - Throws: when the upload fails, an error that says the set exists (its id and folder) and how to upload it
    ///   later: the set is kept, since a local backup is worth more than none.
    package func create(scope: BackupScope, verify: Bool, upload: Bool) async throws -> (manifest: BackupManifest, uploaded: UploadReport?) {
        let manifest = try await BackupCreator(environment).create(.init(scope: scope, verify: verify))
        guard upload else { return (manifest, nil) }
        do {
            return (manifest, try await BackupUploader(environment).upload([manifest.id]))
        } catch {
            throw Self.notUploaded(manifest.id, verified: verify, path: environment.setPath(manifest.id), reason: error)
        }
    }

    /// What `backup create --upload` says when the set was made but its upload failed.
    static func notUploaded(_ id: BackupSetID, verified: Bool, path: String, reason: any Error) -> CommandFailure {
        CommandFailure(
            "backup set \(id) was created\(verified ? " and verified" : "") in \(path), but not uploaded: \(reason). "
                + "The set is kept; once that is fixed, upload it with `nomaly backup upload \(id)`"
        )
    }

    /// Every set, local and off-site.
    package func list() async throws -> [BackupListing] {
        try await BackupSets(environment).list()
    }

    /// Verifies the set `id` names (`latest`: the newest complete local set).
    package func verify(_ id: String, restoreTest: Bool, waivers: BackupWaivers) async throws -> VerificationReport {
        try await BackupVerifier(environment).verify(try resolve(id), restoreTest: restoreTest, waivers: waivers)
    }

    /// Restores from the set `id` names (`latest`: the newest complete local set), then applies this build's newer
    /// migrations.
    package func restore(
        _ id: String,
        scope: BackupScope,
        confirmed: Bool,
        runsTimeout: Duration,
        waivers: BackupWaivers
    ) async throws -> RestoreReport {
        let setID = try resolve(id)
        let options = BackupRestorer.Options(
            scope: scope,
            confirmed: confirmed,
            runsTimeout: runsTimeout,
            migrations: try runtime.loadMigrations(),
            waivers: waivers
        )
        return try await BackupRestorer(environment).restore(setID, options)
    }

    /// Copies the sets `ids` name (every complete local set when empty) off-site, with `artifacts` the artifact store too.
    package func upload(_ ids: [String], artifacts: Bool) async throws -> UploadReport {
        let chosen = try ids.isEmpty ? nil : ids.map(resolve)
        return try await BackupUploader(environment).upload(chosen, artifacts: artifacts)
    }

    /// Applies retention to backups, runs, scores, unused artifacts and temporary files.
    package func cleanup(_ options: Cleanup.Options) async throws -> CleanupReport {
        try await Cleanup(environment, registry: registry).run(options)
    }

    /// A set id as the operator wrote it: `latest` is the newest complete local set.
    package func resolve(_ text: String) throws -> BackupSetID {
        if text == "latest" {
            guard let newest = try BackupSets(environment).localSets().last else {
                throw CommandFailure("no complete backup set in \(environment.directory)")
            }
            return newest.id
        }
        guard let id = BackupSetID(text) else { throw CommandFailure("'\(text)' is not a set id such as 20261203_020000") }
        return id
    }
}

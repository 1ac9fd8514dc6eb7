import Archive
import FileSystem
package import Foundation
import Logging
package import Postgres
import Scheduler

/// What a restore did.
package struct RestoreReport: Sendable, Codable {
    package let id: String
    package let kind: String
    package let pausedAt: Date
    package let resumedAt: Date
    /// Runs waited for after pausing claims.
    package let waitedForRuns: Int
    package let tablesRestored: Int?
    package let migrationsApplied: Int?
    package let artifactsRestored: Int?
    /// Where the replaced artifact folder was moved (`ARTIFACTS.backup.YYYYMMDD_HHMMSS`), as the guide's script does.
    package let replacedArtifactsMovedTo: String?
    package let downloaded: Bool
    /// The id of the key whose signature of the manifest matched; nil for a set read unsigned.
    package let signedWith: String?
    /// Protections the set lacks that the operator waived (`unencrypted`, `unsigned`).
    package let waived: [String]
}

/// `nomaly backup restore ID --kind database|models|full --yes`.
///
/// The set is fetched (downloaded from the bucket if it is not local), authenticated (``SetAuthenticator``) and verified
/// before anything is touched; what is restored is the verified copies (``BackupVerifier``), never the set's files
/// read again, since the wait for running runs leaves minutes in which the backup folder could change.
/// Then claims pause on every replica (``RunStore/claimsPause``, an advisory lock this process holds) and the restore
/// waits for running runs to finish. The database is restored **in place, in one transaction**:
/// `pg_restore --clean --if-exists --single-transaction --exit-on-error`, so a failure leaves the database as it was;
/// row counts are compared with the manifest and migrations newer than the set are applied. Runs that were running
/// when the backup was taken are closed as cancelled rather than retried. Artifacts are extracted beside the store,
/// checked against their sha256, and swapped in, the replaced folder being kept as `…backup.TIMESTAMP`. Claims resume
/// when the lock is released, at the end or on any failure, or by the server if this process dies.
package struct BackupRestorer: Sendable {
    package struct Options: Sendable {
        package var scope: BackupScope
        /// The operator's `--yes`: a restore replaces live data.
        package var confirmed: Bool
        /// How long to wait for running runs after pausing claims.
        package var runsTimeout: Duration
        /// This build's migrations, applied after a database restore from an older level.
        package var migrations: [Migration]
        /// Missing protections the operator accepts (`--allow-unencrypted`, `--allow-unsigned`); logged and audited.
        package var waivers: BackupWaivers

        package init(
            scope: BackupScope,
            confirmed: Bool,
            runsTimeout: Duration = .seconds(600),
            migrations: [Migration],
            waivers: BackupWaivers = .none
        ) {
            self.scope = scope
            self.confirmed = confirmed
            self.runsTimeout = runsTimeout
            self.migrations = migrations
            self.waivers = waivers
        }
    }

    let environment: BackupEnvironment

    package init(_ environment: BackupEnvironment) {
        self.environment = environment
    }

    package func restore(_ id: BackupSetID, _ options: Options) async throws -> RestoreReport {
        guard options.confirmed else {
            throw BackupError(
                .refused,
                "restoring \(options.scope.rawValue) from \(id) replaces live data on every replica; run again with --yes to go ahead"
            )
        }
        let keys = try environment.keys()
        let set = try await SetSource(environment).fetch(id, keys: keys, waivers: options.waivers)
        defer { set.cleanUp() }
        let manifest = set.manifest
        guard manifest.kind.covers(options.scope) else {
            throw BackupError(.refused, "set \(id) is a \(manifest.kind.rawValue) backup; it cannot restore \(options.scope.rawValue)")
        }
        let knownLevel = options.migrations.map(\.version).max() ?? 0
        if options.scope.includesDatabase, let level = manifest.postgres?.migrationLevel, level > knownLevel {
            throw BackupError(
                .incompatible,
                "set \(id) was taken at migration level \(level); this Nomaly knows migrations up to \(knownLevel): restore it with the version that made it (\(manifest.nomalyVersion))"
            )
        }
        let scratch = try PrivateScratch(near: environment.directory)
        defer { scratch.remove() }
        let verifier = BackupVerifier(environment)
        try await verifier.checkManifestAgainstRecord(set)
        let plainFiles = try await verifier.verify(set, keys: keys, restoreTest: false, scratch: scratch).plainFiles
        // Artifacts are extracted and checked before the database changes, so a full restore cannot stop between
        // a replaced database and unreplaced artifacts for want of disk space or a damaged tarball.
        let artifactRestore = ArtifactRestore(environment: environment)
        let staged =
            options.scope.includesModels ? try await artifactRestore.stage(manifest: manifest, bundle: plainFiles[ArtifactBundle.fileName]) : nil
        let audit = WaiverAudit(environment: environment)
        do {
            try await audit.record(set, operation: "restore", actor: options.waivers.actor, tolerateMissingTable: true)
        } catch {
            artifactRestore.discard(staged)
            throw error
        }
        environment.logger.notice("restore: set verified; pausing claims on every replica", metadata: ["id": "\(id)"])

        return try await environment.pool.withAdvisoryLock(RunStore.claimsPause) { _ in
            let pausedAt = Date()
            let waited: Int
            do {
                waited = try await waitForRunningRuns(timeout: options.runsTimeout)
            } catch {
                artifactRestore.discard(staged)
                throw error
            }
            var tables: Int?
            var migrated: Int?
            if options.scope.includesDatabase, let dump = plainFiles[DatabaseDump.fileName] {
                do {
                    (tables, migrated) = try await restoreDatabase(dump: dump, set: set, migrations: options.migrations)
                } catch {
                    artifactRestore.discard(staged)
                    throw error
                }
                await audit.recordAgainAfterRestore(set, operation: "restore", actor: options.waivers.actor)
            }
            var artifacts: (count: Int, movedTo: String?)?
            if options.scope.includesModels {
                artifacts = try await artifactRestore.restore(manifest: manifest, bundle: plainFiles[ArtifactBundle.fileName], staged: staged)
            }
            let resumedAt = Date()
            environment.logger.notice("restore finished; claims resume", metadata: ["id": "\(id)", "kind": "\(options.scope.rawValue)"])
            return RestoreReport(
                id: id.value,
                kind: options.scope.rawValue,
                pausedAt: pausedAt,
                resumedAt: resumedAt,
                waitedForRuns: waited,
                tablesRestored: tables,
                migrationsApplied: migrated,
                artifactsRestored: artifacts?.count,
                replacedArtifactsMovedTo: artifacts?.movedTo,
                downloaded: set.fromRemote,
                signedWith: set.authentication.signedWith,
                waived: set.authentication.waived.map(\.kind)
            )
        }
    }

    /// Waits until no run holds a live lease. Claims are paused, so none can start meanwhile.
    /// - Returns: how many runs were running when the wait began.
    private func waitForRunningRuns(timeout: Duration) async throws -> Int {
        let store = RunStore(pool: environment.pool)
        let deadline = ContinuousClock.now + timeout
        let initial: [(id: Int64, job: String)]
        do {
            initial = try await store.runningWithLiveLease()
        } catch let error as PostgresError where error.sqlState == "42P01" {
            // Restoring into an empty database (the disaster case): no scheduler tables, so nothing runs.
            return 0
        }
        var running = initial
        if !running.isEmpty {
            environment.logger.notice("restore: waiting for running runs", metadata: ["runs": "\(running.map { "\($0.job)#\($0.id)" })"])
        }
        while !running.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw BackupError(
                    .timeout,
                    "runs still running after \(timeout): \(running.map { "\($0.job) (run \($0.id))" }.joined(separator: ", ")); "
                        + "cancel them (`nomaly jobs cancel`) or wait, then restore again. Nothing was changed."
                )
            }
            try await Task.sleep(for: .milliseconds(500))
            running = try await store.runningWithLiveLease()
        }
        return initial.count
    }

    private func restoreDatabase(dump: String, set: FetchedSet, migrations: [Migration]) async throws -> (Int, Int) {
        let manifest = set.manifest
        let catalog = BackupCatalog(pool: environment.pool)
        // Taken while claims are paused, just before the table is replaced; see ``BackupCatalogSnapshot``.
        let before = try await catalog.snapshot()
        let server = try await environment.pool.serverMajorVersion()
        let tools = try await environment.tools.forServer(major: server.major, override: environment.binDirectory)
        let clientEnvironment = try environment.source.clientEnvironment(applicationName: "nomaly-restore")
        // Without --dbname pg_restore would print a script instead of restoring: name the database explicitly.
        let database = try await environment.pool.query("SELECT current_database()").first!.decode(String.self)
        environment.logger.notice("restore: replacing the database in one transaction", metadata: ["id": "\(manifest.id)"])
        try await PostgresTools.run(
            [
                tools.path("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                "--dbname=" + database,
            ],
            environment: clientEnvironment,
            input: dump,
            what: "restoring the database (nothing was changed: the restore runs in one transaction)"
        )
        // pg_restore has committed: from here every step runs whatever the others did, so the database is never left
        // restored but without its migrations or with the backup's runs still marked running.
        let counts = try await environment.pool.withConnection { try await DatabaseDump.rowCounts(on: $0) }
        do {
            try ScratchRestore.compare(actual: counts, expected: manifest.rowCounts, what: "the restored database")
        } catch {
            // The API keeps answering during a restore (an audit entry, a queued scoring run) and may have added rows.
            environment.logger.warning("restore: row counts differ from the manifest after the restore", metadata: ["detail": "\(error)"])
        }
        let applied = try await Migrator(pool: environment.pool, migrations: migrations, logger: environment.logger).apply()
        try await RunStore(pool: environment.pool).closeRunsInterruptedByRestore(backupID: manifest.id.value)
        try await catalog.reconcile(
            keeping: before,
            restored: set,
            location: environment.setPath(manifest.id),
            localSets: try BackupSets(environment).localSets()
        )
        return (manifest.rowCounts.count, applied.count)
    }
}

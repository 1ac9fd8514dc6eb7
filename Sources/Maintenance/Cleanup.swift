package import Backup
import FileSystem
package import Foundation
import Logging
import ObjectStore
import Postgres
package import Registry
import Scheduler
import Units

/// What the clean-up deleted (or, in a dry run, would delete).
package struct CleanupReport: Sendable, Codable, Equatable {
    package var dryRun: Bool
    package var localSets: [String] = []
    package var remoteSets: [String] = []
    package var failedRecords = 0
    /// Rows of sets with no copy left anywhere (deleted before a restore brought their rows back).
    package var staleRecords = 0
    package var runs = 0
    package var scores = 0
    package var artifacts = 0
    package var temporaryFiles: [String] = []
    package var bytesReclaimed: Int64 = 0
    /// Why a part was left out (`remote: no bucket configured`).
    package var notes: [String] = []

    package init(dryRun: Bool) { self.dryRun = dryRun }
}

/// The `cleanup` job and `nomaly cleanup [--dry-run]`: retention for backups (local and in the bucket), run history
/// and stored scores past their age, artifacts no live version uses (the registry's garbage collection), and
/// temporary files left by interrupted work.
package struct Cleanup: Sendable {
    package struct Options: Sendable {
        package var dryRun: Bool
        package var retention: RetentionPolicy
        /// Finished runs older than this are deleted (their stored scores with them); nil keeps them (the scheduler
        /// still prunes per job's `history`).
        package var runsMaxAge: Duration?
        /// Rows of `anomaly_scores` older than this are deleted; nil keeps them.
        package var scoresMaxAge: Duration?
        /// Collect artifacts no live version uses.
        package var collectArtifacts: Bool
        /// Leftovers (`.ID.partial-…`, scratch folders, `.nomaly-tmp-` files) older than this are removed; nil keeps them.
        package var temporaryMaxAge: Duration?
        /// Apply retention in the bucket too.
        package var includeRemote = true

        /// Only backup retention (the `backup` job's own `max_age`/`keep_last`).
        package static var backupsOnly: Options {
            Options(runsMaxAge: nil, scoresMaxAge: nil, collectArtifacts: false, temporaryMaxAge: nil)
        }

        package init(
            dryRun: Bool = false,
            retention: RetentionPolicy = .init(),
            runsMaxAge: Duration? = .seconds(90 * 86_400),
            scoresMaxAge: Duration? = .seconds(90 * 86_400),
            collectArtifacts: Bool = true,
            temporaryMaxAge: Duration? = .seconds(86_400)
        ) {
            self.dryRun = dryRun
            self.retention = retention
            self.runsMaxAge = runsMaxAge
            self.scoresMaxAge = scoresMaxAge
            self.collectArtifacts = collectArtifacts
            self.temporaryMaxAge = temporaryMaxAge
        }
    }

    let environment: BackupEnvironment
    let registry: ModelRegistry?

    /// - Parameter registry: whose unused artifacts ``Options/collectArtifacts`` collects; nil only for a clean-up that
    ///   never collects them (the `backup` job's own retention).
    package init(_ environment: BackupEnvironment, registry: ModelRegistry?) {
        self.environment = environment
        self.registry = registry
    }

    package func run(_ options: Options, now: Date = Date()) async throws -> CleanupReport {
        var report = CleanupReport(dryRun: options.dryRun)
        try await backups(options, now: now, into: &report)
        try await history(options, into: &report)
        if options.collectArtifacts {
            guard let registry else { preconditionFailure("a clean-up that collects artifacts needs the registry") }
            let garbage = try await registry.collectGarbage(dryRun: options.dryRun, actor: "nomaly-cleanup")
            report.artifacts = garbage.deletedKeys.count
            report.bytesReclaimed += garbage.bytesReclaimed
        }
        try temporaryFiles(options, now: now, into: &report)
        environment.logger.info(
            options.dryRun ? "clean-up planned (dry run)" : "clean-up done",
            metadata: [
                "local_sets": "\(report.localSets.count)", "remote_sets": "\(report.remoteSets.count)", "runs": "\(report.runs)",
                "scores": "\(report.scores)", "artifacts": "\(report.artifacts)", "bytes": "\(report.bytesReclaimed)",
            ]
        )
        return report
    }

    private func backups(_ options: Options, now: Date, into report: inout CleanupReport) async throws {
        let catalog = BackupCatalog(pool: environment.pool)
        let rows = try await catalog.records()
        let verified = Set(rows.filter { $0.verifiedAt != nil }.map(\.id))
        let kinds = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0.kind) })
        let sets = BackupSets(environment)

        let local = try sets.localSets()
        let localDoomed = options.retention.expired(
            local.map { .init(id: $0.id, scope: $0.manifest.kind, verified: verified.contains($0.id.value)) },
            now: now
        )
        for candidate in localDoomed {
            let set = local.first { $0.id == candidate.id }!
            report.localSets.append(set.id.value)
            report.bytesReclaimed += set.manifest.totalSize
            if !options.dryRun { try FileManager.default.removeItem(atPath: set.path) }
        }

        var remoteDoomed: [RetentionPolicy.Candidate] = []
        // Listed once: retention and the rows below both judge from this listing.
        let remoteSets = try await sets.remoteSets()
        if let remote = environment.remote, options.includeRemote {
            var candidates: [RetentionPolicy.Candidate] = []
            for set in remoteSets {
                // A set whose kind is unknown here (no row, no local copy) is never deleted: retention cannot judge it.
                guard let scope = kinds[set.id.value].flatMap(BackupScope.init(rawValue:)) ?? local.first(where: { $0.id == set.id })?.manifest.kind
                else {
                    report.notes.append("remote set \(set.id) kept: its kind is unknown here")
                    continue
                }
                candidates.append(.init(id: set.id, scope: scope, verified: verified.contains(set.id.value) && set.isComplete))
            }
            remoteDoomed = options.retention.expired(candidates, now: now)
            for candidate in remoteDoomed {
                let set = remoteSets.first { $0.id == candidate.id }!
                report.remoteSets.append(set.id.value)
                report.bytesReclaimed += set.size
                guard !options.dryRun else { continue }
                // The manifest goes first: a half-deleted set must not look complete.
                for object in set.objects.sorted(by: { a, _ in a.key.hasSuffix(BackupManifest.fileName) }) {
                    try await remote.store.delete(key: object.key)
                }
            }
        } else if options.includeRemote {
            report.notes.append("remote: no bucket configured")
        }

        // A row is dropped once no copy of its set remains anywhere (deleted now, or earlier and brought back by a
        // restore of an older database); failed attempts once past the longest age rule. A bucket that cannot be
        // listed fails the clean-up before this point, so a row is never dropped for want of a listing.
        let gone = Set(localDoomed.map(\.id.value)).union(remoteDoomed.map(\.id.value))
        let localLeft = Set(local.map(\.id.value)).subtracting(localDoomed.map(\.id.value))
        let remoteLeft = Set(remoteSets.map(\.id.value)).subtracting(options.dryRun ? [] : remoteDoomed.map(\.id.value))
        let longest =
            [options.retention.database, options.retention.models, options.retention.full].compactMap(\.maxAge).max() ?? .seconds(30 * 86_400)
        for row in rows {
            let stillRemote = remoteLeft.contains(row.id) && !(options.dryRun && remoteDoomed.contains { $0.id.value == row.id })
            let noCopy = row.status == "succeeded" && !localLeft.contains(row.id) && !stillRemote
            let oldFailure = row.status == "failed" && now.timeIntervalSince(row.startedAt) > longest.inSeconds
            guard noCopy || oldFailure, let id = BackupSetID(row.id) else { continue }
            if oldFailure { report.failedRecords += 1 } else if !gone.contains(row.id) { report.staleRecords += 1 }
            if !options.dryRun { try await catalog.delete(id) }
        }
    }

    private func history(_ options: Options, into report: inout CleanupReport) async throws {
        if let age = options.runsMaxAge {
            report.runs = try await RunStore(pool: environment.pool).deleteFinishedRuns(olderThan: age, dryRun: options.dryRun)
        }
        if let age = options.scoresMaxAge {
            report.scores = try await deleteScores(olderThan: age, dryRun: options.dryRun)
        }
    }

    /// Deletes (or, in a dry run, counts) the rows of `anomaly_scores` scored more than `age` ago. The score kind
    /// writes the table by COPY (into any table a job names), so no store of its own owns it yet.
    private func deleteScores(olderThan age: Duration, dryRun: Bool) async throws -> Int {
        let condition = "scored_at < now() - make_interval(secs => $1)"
        let seconds = age.inSeconds
        guard dryRun else { return try await environment.pool.execute("DELETE FROM anomaly_scores WHERE \(condition)", [seconds]) }
        return Int(
            try await environment.pool.query("SELECT count(*) FROM anomaly_scores WHERE \(condition)", [seconds]).first?.decode(Int64.self) ?? 0
        )
    }

    /// Leftovers of interrupted work, older than the threshold so that work in progress is never touched.
    private func temporaryFiles(_ options: Options, now: Date, into report: inout CleanupReport) throws {
        guard let maxAge = options.temporaryMaxAge else { return }
        let cutoff = now.addingTimeInterval(-maxAge.inSeconds)
        var folders = [environment.directory]
        if let root = environment.localArtifactRoot { folders.append(root) }
        for folder in folders {
            guard let enumerator = FileManager.default.enumerator(atPath: folder) else { continue }
            while let relative = enumerator.nextObject() as? String {
                let name = URL(fileURLWithPath: relative).lastPathComponent
                let isLeftover =
                    name.contains(AtomicFile.temporaryMarker) || name.hasPrefix(".nomaly-scratch-")
                    || (name.hasPrefix(".") && (name.contains(".partial-") || name.contains(".restoring-")))
                guard isLeftover else { continue }
                let path = folder + "/" + relative
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                    let modified = attributes[.modificationDate] as? Date, modified < cutoff
                else { continue }
                enumerator.skipDescendants()
                report.temporaryFiles.append(path)
                report.bytesReclaimed += Self.size(of: path)
                if !options.dryRun { try FileManager.default.removeItem(atPath: path) }
            }
        }
    }

    private static func size(of path: String) -> Int64 {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        }
        var total: Int64 = 0
        while let relative = enumerator.nextObject() as? String {
            total += ((try? FileManager.default.attributesOfItem(atPath: path + "/" + relative)[.size]) as? Int64) ?? 0
        }
        return total
    }
}

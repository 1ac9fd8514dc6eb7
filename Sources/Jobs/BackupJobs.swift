package import Backup
import Foundation
import JSONValues
import Logging
import Maintenance
package import Registry
package import Scheduler

/// `kind: backup` — makes a set (`database`, `models` or `full`), verifies it, optionally uploads it, and applies
/// retention to sets of its kind in the backup folder.
///
/// ```yaml
/// kind: backup
/// schedule: "0 1 * * *"
/// with:
///   kind: full          # database | models | full (default)
///   upload: false       # the s3-upload job usually follows
///   max_age: 30d        # delete sets of this kind older than this (the newest verified one is always kept)
///   keep_last: 7        # … or beyond the newest 7
/// ```
package struct BackupJobKind: JobKind {
    package let name = "backup"
    let environment: BackupEnvironment?

    /// - Parameter environment: nil to only validate job files offline.
    package init(environment: BackupEnvironment?) {
        self.environment = environment
    }

    package func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        let scopeText = settings.string("kind") ?? "full"
        let rule = RetentionPolicy.Rule(
            maxAge: settings.duration("max_age"),
            keepLast: settings.integer("keep_last", range: 1...100_000)
        )
        let upload = settings.bool("upload") ?? false
        let verify = settings.bool("verify") ?? true
        let scope = BackupScope(rawValue: scopeText)
        if scope == nil {
            settings.report(JobSpecError(key: "with.kind", message: "'\(scopeText)' is not one of database, models, full"))
        }
        try settings.stopIfInvalid()
        return BackupJobRun(environment: environment, scope: scope ?? .full, upload: upload, verify: verify, rule: rule)
    }
}

struct BackupJobRun: JobRunnable {
    let environment: BackupEnvironment?
    let scope: BackupScope
    let upload: Bool
    let verify: Bool
    let rule: RetentionPolicy.Rule

    func run(_ context: RunContext) async throws -> RunOutcome {
        guard let environment else { throw JobFailure("backup needs the database (run it under nomaly serve)") }
        let manifest = try await BackupCreator(environment).create(.init(scope: scope, verify: verify))
        context.log.append(line: "created \(manifest.id) (\(scope.rawValue), \(manifest.totalSize) bytes, encrypted: \(manifest.encryption != nil))")
        var result: [String: JSONValue] = [
            "id": .string(manifest.id.value), "kind": .string(scope.rawValue), "bytes": .integer(manifest.totalSize),
            "verified": .bool(verify), "encrypted": .bool(manifest.encryption != nil),
        ]
        if upload {
            if environment.remote == nil {
                context.log.append(line: "upload skipped: S3 is not configured (set S3_BUCKET or NOMALY_BACKUP_S3)")
            } else {
                let report = try await BackupUploader(environment).upload([manifest.id])
                context.log.append(line: "uploaded \(report.uploaded.count) object(s), \(report.bytesUploaded) bytes")
                result["uploaded"] = .integer(Int64(report.uploaded.count))
            }
        }
        if rule.maxAge != nil || rule.keepLast != nil {
            var options = Cleanup.Options.backupsOnly
            options.retention = RetentionPolicy(database: .init(), models: .init(), full: .init())
            switch scope {
            case .database: options.retention.database = rule
            case .models: options.retention.models = rule
            case .full: options.retention.full = rule
            }
            options.includeRemote = false
            // Backup retention only: no artifacts are collected, so no registry is needed.
            let report = try await Cleanup(environment, registry: nil).run(options)
            if !report.localSets.isEmpty { context.log.append(line: "retention deleted \(report.localSets.joined(separator: ", "))") }
            result["deleted"] = .array(report.localSets.map { .string($0) })
        }
        return RunOutcome(result: .object(result))
    }
}

/// `kind: s3-upload` — copies every complete local set (and, with `artifacts`, the local artifact store) to the
/// bucket under `PREFIX/YYYY/MM/DD/ID/`; objects already there with the same sha256 are skipped. Until S3 is
/// configured the job succeeds with a log line saying so.
///
/// ```yaml
/// kind: s3-upload
/// schedule: "30 1 * * *"
/// with: {artifacts: true}
/// ```
package struct S3UploadKind: JobKind {
    package let name = "s3-upload"
    let environment: BackupEnvironment?

    package init(environment: BackupEnvironment?) {
        self.environment = environment
    }

    package func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        let artifacts = settings.bool("artifacts") ?? true
        try settings.stopIfInvalid()
        return S3UploadRun(environment: environment, artifacts: artifacts)
    }
}

struct S3UploadRun: JobRunnable {
    let environment: BackupEnvironment?
    let artifacts: Bool

    func run(_ context: RunContext) async throws -> RunOutcome {
        guard let environment else { throw JobFailure("s3-upload needs the database (run it under nomaly serve)") }
        guard environment.remote != nil else {
            let line = "S3 is not configured (set S3_BUCKET, AWS_S3_BACKUP_BUCKET or NOMALY_BACKUP_S3): nothing to do"
            context.logger.notice("s3-upload idle: \(line)")
            context.log.append(line: line)
            return RunOutcome(result: .object(["idle": .bool(true)]))
        }
        let report = try await BackupUploader(environment).upload(artifacts: artifacts)
        context.log.append(
            line:
                "sets: \(report.sets.count); uploaded \(report.uploaded.count) object(s) (\(report.bytesUploaded) bytes), skipped \(report.skipped); "
                + "artifacts uploaded \(report.artifactsUploaded), skipped \(report.artifactsSkipped)"
        )
        return RunOutcome(result: try JSONValue(encoding: report))
    }
}

/// `kind: cleanup` — retention for backups (local and in the bucket), old runs and scores, unused artifacts and
/// leftover temporary files; the result lists what went and the bytes reclaimed.
///
/// ```yaml
/// kind: cleanup
/// schedule: "0 4 * * *"
/// with:
///   database_max_age: 30d      # the guide's RETENTION_DAYS
///   models_keep_last: 7        # the guide's "last 7 model backups"
///   runs_max_age: 90d
///   scores_max_age: 90d
/// ```
package struct CleanupKind: JobKind {
    package let name = "cleanup"
    let environment: BackupEnvironment?
    let registry: ModelRegistry?

    /// - Parameters:
    ///   - environment: nil to only validate job files offline.
    ///   - registry: whose unused artifacts the clean-up collects; nil to only validate job files offline.
    package init(environment: BackupEnvironment?, registry: ModelRegistry?) {
        self.environment = environment
        self.registry = registry
    }

    package func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        var options = Cleanup.Options()
        let defaults = RetentionPolicy()
        func rule(_ scope: String, _ fallback: RetentionPolicy.Rule) -> RetentionPolicy.Rule {
            let age = settings.duration("\(scope)_max_age")
            let last = settings.integer("\(scope)_keep_last", range: 1...100_000)
            return age == nil && last == nil ? fallback : .init(maxAge: age, keepLast: last)
        }
        options.retention = RetentionPolicy(
            database: rule("database", defaults.database),
            models: rule("models", defaults.models),
            full: rule("full", defaults.full)
        )
        options.runsMaxAge = settings.duration("runs_max_age") ?? options.runsMaxAge
        options.scoresMaxAge = settings.duration("scores_max_age") ?? options.scoresMaxAge
        options.collectArtifacts = settings.bool("artifacts") ?? true
        options.temporaryMaxAge = settings.duration("temporary_max_age") ?? options.temporaryMaxAge
        options.dryRun = settings.bool("dry_run") ?? false
        try settings.stopIfInvalid()
        return CleanupRun(environment: environment, registry: registry, options: options)
    }
}

struct CleanupRun: JobRunnable {
    let environment: BackupEnvironment?
    let registry: ModelRegistry?
    let options: Cleanup.Options

    func run(_ context: RunContext) async throws -> RunOutcome {
        guard let environment, let registry else { throw JobFailure("cleanup needs the database (run it under nomaly serve)") }
        let report = try await Cleanup(environment, registry: registry).run(options)
        context.log.append(
            line: "backups: \(report.localSets.count) local, \(report.remoteSets.count) remote; runs \(report.runs); scores \(report.scores); "
                + "artifacts \(report.artifacts); temporary files \(report.temporaryFiles.count); \(report.bytesReclaimed) bytes reclaimed"
        )
        for note in report.notes { context.log.append(line: note) }
        return RunOutcome(result: try JSONValue(encoding: report))
    }
}

package import Backup
package import ObjectStore
package import Postgres
package import Scheduler

/// The kinds this build of Nomaly can run.
package enum BuiltInKinds {
    /// - Parameters:
    ///   - pool: the database kinds such as `vacuum` work on; nil when only validating files offline.
    ///   - models: the registry for `train` and `score`; nil when only validating.
    ///   - specsDirectory: where `train` checks that its model's spec exists when validating offline.
    ///   - backups: what `backup`, `s3-upload` and `cleanup` work with; nil when only validating. `cleanup` collects
    ///     the artifacts of `models`' registry.
    ///   - scoringLocations: what `score` checks its `s3://` locations against when validating offline (`models`
    ///     brings its own).
    package static func registry(
        pool: PostgresPool?,
        models: ModelServices? = nil,
        specsDirectory: String? = nil,
        backups: BackupEnvironment? = nil,
        scoringLocations: ScoringLocations? = nil
    ) -> JobKindRegistry {
        JobKindRegistry([
            CommandKind(), VacuumKind(pool: pool), TrainKind(services: models, specsDirectory: specsDirectory),
            ScoreKind(services: models, locations: scoringLocations),
            BackupJobKind(environment: backups), S3UploadKind(environment: backups), CleanupKind(environment: backups, registry: models?.registry),
        ])
    }
}

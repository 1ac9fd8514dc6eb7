public import Postgres
public import Scheduler

/// The kinds this build of Nomaly can run. Later issues add train, score, backup, s3-upload and cleanup here.
public enum BuiltInKinds {
    /// - Parameter pool: the database kinds such as `vacuum` work on; nil when only validating files offline.
    public static func registry(pool: PostgresPool?) -> JobKindRegistry {
        JobKindRegistry([CommandKind(), VacuumKind(pool: pool)])
    }
}

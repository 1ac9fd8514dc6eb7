package import AdminAPI
package import Archive
package import Backup
package import FileSystem
import Foundation
package import ObjectStore
package import Observability
package import Postgres
package import Scheduler
package import Settings

/// The daemon's and the CLI's settings, read from environment variables (see docs/configuration.md): each module's
/// own settings type, read once, in one pass.
///
/// Reading never stops at the first mistake: ``init(environment:workingDirectory:)`` throws a
/// ``ConfigurationError`` listing every invalid variable so that `nomaly check` can report them together. The S3
/// settings are the exception: they are read here too, but kept as a ``s3`` result, since only the commands that reach
/// S3 need them valid (as before, a bad `S3_PART_SIZE` does not stop `nomaly jobs list`).
package struct NomalyConfiguration: Sendable {
    /// What relative paths in settings and on command lines are relative to.
    package var workingDirectory: String
    /// `NOMALY_HOME`, absolute: the embedded cluster, artifacts and backups live below it.
    package var home: String
    /// The job files, the model specs and the artifact store.
    package var folders: FolderSettings
    /// `WORKERS` (the deployment guide's name: runs one replica executes at once), `NOMALY_LEASE_DURATION` and
    /// `NOMALY_SHUTDOWN_GRACE`, read by the Scheduler module.
    package var scheduler: SchedulerConfiguration
    /// The database: which server (or the embedded cluster), the pool, the cluster's programs and user.
    package var postgres: PostgresSettings
    /// `NOMALY_BLOCKING_THREADS`: the threads of the shared pool that runs blocking work (file I/O, archives, training,
    /// scoring files); by default `WORKERS` + `NOMALY_DB_POOL_SIZE` + the number of cores.
    package var blockingWork: BlockingWorkSettings
    /// The HTTP server's address, limits, timeouts, CORS, TLS, scoring folder and `/invocations` model.
    package var http: HTTPSettings
    /// The backup folder, the encryption key file and the off-site location.
    package var backups: BackupSettings
    /// The S3 prefixes scoring may use and the limits on scoring inputs and requests.
    package var scoring: ScoringSettings
    /// The API's token buckets.
    package var rateLimits: RateLimitSettings
    /// `NOMALY_ARCHIVE_MAX_BYTES`, `…_MAX_ENTRY_BYTES`, `…_MAX_ENTRIES`, `…_MAX_RATIO`: what extracting an artifact or
    /// backup tarball may expand to.
    package var archiveLimits: ArchiveLimits
    /// `LOG_LEVEL` and `LOG_FORMAT`.
    package var log: LogSettings
    /// The S3 variables, or every problem with them. `try s3.get()` where an S3 store is built.
    package var s3: Result<S3Settings, ConfigurationError>

    /// Reads the configuration.
    /// - Parameters:
    ///   - environment: the variables to read.
    ///   - workingDirectory: resolves relative paths; the process's current directory by default.
    /// - Throws: ``ConfigurationError`` with one ``ConfigurationProblem`` per invalid variable (S3's aside, see ``s3``).
    package init(
        environment: Environment = Environment(),
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigurationError) {
        let (configuration, problems) = Self.read(environment: environment, workingDirectory: workingDirectory)
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        self = configuration
    }

    /// Reads the configuration whatever is wrong with it: invalid variables keep their defaults and are returned as
    /// `problems`, in the order `nomaly check` lists them (S3's are in ``s3``).
    package static func read(
        environment: Environment = Environment(),
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) -> (configuration: NomalyConfiguration, problems: [ConfigurationProblem]) {
        var reader = SettingsReader(environment, workingDirectory: workingDirectory)
        let configuration = NomalyConfiguration(reader: &reader)
        return (configuration, reader.problems)
    }

    /// Each module's settings in the order their problems have always been listed.
    private init(reader: inout SettingsReader) {
        workingDirectory = reader.workingDirectory
        home = reader.home
        folders = FolderSettings(reader: &reader)
        scheduler = SchedulerConfiguration(reader: &reader)
        postgres = PostgresSettings(reader: &reader)
        // Each run may hold a thread for its whole blocking step, so may each request holding a connection, and an
        // archive compresses on every core.
        let threads = scheduler.workers + postgres.poolSize + ProcessInfo.processInfo.activeProcessorCount
        blockingWork = BlockingWorkSettings(reader: &reader, defaultThreads: threads)
        http = HTTPSettings(reader: &reader)
        backups = BackupSettings(reader: &reader)
        scoring = ScoringSettings(reader: &reader)
        rateLimits = RateLimitSettings(reader: &reader)
        archiveLimits = ArchiveLimits(reader: &reader)
        log = LogSettings(reader: &reader)

        var s3Reader = SettingsReader(reader.environment, workingDirectory: reader.workingDirectory)
        let s3 = S3Settings(reader: &s3Reader)
        self.s3 = s3Reader.problems.isEmpty ? .success(s3) : .failure(ConfigurationError(problems: s3Reader.problems))
    }

    /// `path` from a command line, absolute against the directory the settings' paths start at.
    package func absolute(_ path: String) -> String {
        SettingsReader.absolutePath(path, in: workingDirectory)
    }
}

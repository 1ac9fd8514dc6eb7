public import AdminAPI
public import Archive
public import Backup
public import Foundation
public import ObjectStore
public import Postgres
public import Scheduler
public import Settings

/// Where Nomaly's database is.
public enum DatabaseLocation: Sendable, Equatable {
    /// A libpq connection string (URI or `key=value` conninfo) from `DATABASE_URL`.
    case connectionString(String)
    /// libpq's own `PG*` variables (`PGHOST`, `PGSERVICE`, …) describe the server.
    case libpqEnvironment
    /// No database configured: a private cluster under `$NOMALY_HOME/postgres`.
    case embedded
}

public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt
    case json
}

/// The daemon's and the CLI's settings, read from environment variables (see docs/configuration.md).
///
/// Reading never stops at the first mistake: ``init(environment:workingDirectory:)`` throws a
/// ``ConfigurationError`` listing every invalid variable so that `nomaly check` can report them together.
public struct NomalyConfiguration: Sendable {
    /// `NOMALY_HOME`, absolute: the embedded cluster, artifacts and backups live below it.
    public var home: String
    public var database: DatabaseLocation
    /// `POSTGRES_PASSWORD` / `POSTGRES_PASSWORD_FILE` (the deployment guide's names): passed to libpq beside
    /// the connection string, so that a URL in a ConfigMap never carries the password.
    public var databasePassword: String?
    /// `NOMALY_PG_USER`: the system user that runs the embedded cluster when Nomaly runs as root.
    public var embeddedClusterUser: String
    /// `NOMALY_PG_BINDIR`: where initdb, pg_ctl, pg_dump live; found automatically when nil.
    public var postgresBinDirectory: String?
    public var databasePoolSize: Int
    public var databaseAcquireTimeout: Duration
    /// `NOMALY_DB_STARTUP_TIMEOUT`: how long `nomaly serve` waits for an unreachable database at start.
    public var databaseStartupTimeout: Duration
    /// `NOMALY_MIGRATIONS_DIR`, absolute: a folder of `NNNN_name.sql` files used instead of the migrations compiled
    /// into the binary (for developing a migration without rebuilding). Nil: the compiled-in schema.
    public var migrationsDirectory: String?
    /// `NOMALY_JOBS_DIR` (default `./jobs`), absolute: one YAML file per job.
    public var jobsDirectory: String
    /// `NOMALY_REGISTRY_DIR` (default `./registry`), absolute: one model spec (`NAME.yaml`) per model.
    public var registryDirectory: String
    /// `NOMALY_ARTIFACTS`: where model artifacts are stored — a path, `file:///path` or `s3://bucket/prefix`
    /// (default `$NOMALY_HOME/artifacts`). Relative paths are made absolute.
    public var artifacts: String
    /// `WORKERS` (the deployment guide's name: runs one replica executes at once), `NOMALY_LEASE_DURATION` and
    /// `NOMALY_SHUTDOWN_GRACE`, read by the Scheduler module.
    public var scheduler: SchedulerConfiguration
    /// `NOMALY_BLOCKING_THREADS`: the threads of the shared pool that runs blocking work (file I/O, archives, training,
    /// scoring files); by default `WORKERS` + `NOMALY_DB_POOL_SIZE` + the number of cores.
    public var blockingThreads: Int
    /// The HTTP server's address, limits, timeouts, CORS, TLS and scoring folder.
    public var http: HTTPSettings
    /// The backup folder, the encryption key file and the off-site location.
    public var backups: BackupSettings
    /// The S3 prefixes scoring may use and the limits on scoring inputs and requests.
    public var scoring: ScoringSettings
    /// `RATE_LIMIT_ENABLED`, `RATE_LIMIT_PER_MINUTE`, `RATE_LIMIT_BURST` (the deployment guide's names): a token
    /// bucket per API token (per address for unauthenticated requests).
    /// `NOMALY_INVOCATIONS_MODEL`: the model (`NAME@ALIAS`, `NAME:VERSION`) MLflow clients reach at `POST /invocations`.
    public var invocationsModel: String?
    public var rateLimitEnabled: Bool
    public var rateLimitPerMinute: Int
    public var rateLimitBurst: Int
    public var logLevel: String
    public var logFormat: LogFormat
    /// `NOMALY_ARCHIVE_MAX_BYTES`, `…_MAX_ENTRY_BYTES`, `…_MAX_ENTRIES`, `…_MAX_RATIO`: what extracting an artifact or
    /// backup tarball may expand to.
    public var archiveLimits: ArchiveLimits

    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Reads the configuration.
    /// - Parameters:
    ///   - environment: the variables to read.
    ///   - workingDirectory: resolves relative paths; the process's current directory by default.
    /// - Throws: ``ConfigurationError`` with one ``ConfigurationProblem`` per invalid variable.
    public init(
        environment: Environment = Environment(),
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigurationError) {
        var reader = SettingsReader(environment)
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path).standardizedFileURL.path
        }

        home = absolute(environment["NOMALY_HOME"] ?? ".nomaly")
        migrationsDirectory = environment["NOMALY_MIGRATIONS_DIR"].map(absolute)

        jobsDirectory = absolute(environment["NOMALY_JOBS_DIR"] ?? "jobs")
        registryDirectory = absolute(environment["NOMALY_REGISTRY_DIR"] ?? "registry")
        let artifactsSetting = environment["NOMALY_ARTIFACTS"] ?? home + "/artifacts"
        if artifactsSetting.hasPrefix("s3://") {
            artifacts = artifactsSetting
        } else if artifactsSetting.hasPrefix("file://") {
            artifacts = absolute(String(artifactsSetting.dropFirst("file://".count)))
        } else if artifactsSetting.contains("://") {
            artifacts = artifactsSetting
            reader.report(ConfigurationProblem(variable: "NOMALY_ARTIFACTS", message: "must be a path, file:///path or s3://bucket/prefix"))
        } else {
            artifacts = absolute(artifactsSetting)
        }
        scheduler = SchedulerConfiguration(reader: &reader)

        database = .embedded
        if let url = reader.secret("DATABASE_URL") {
            database = .connectionString(url)
            if let problem = Self.connectionStringProblem(url) { reader.report(problem) }
        } else if let conninfo = Self.guideConnectionString(&reader) {
            database = .connectionString(conninfo)
        } else if Self.libpqVariables.contains(where: { environment[$0] != nil }) {
            database = .libpqEnvironment
        }
        databasePassword = reader.secret("POSTGRES_PASSWORD")
        embeddedClusterUser = environment["NOMALY_PG_USER"] ?? "postgres"
        postgresBinDirectory = environment["NOMALY_PG_BINDIR"].map(absolute)
        databasePoolSize = reader.integer("NOMALY_DB_POOL_SIZE", default: 10, range: 1...500)
        databaseAcquireTimeout = reader.duration("NOMALY_DB_ACQUIRE_TIMEOUT", default: .seconds(10))
        databaseStartupTimeout = reader.duration("NOMALY_DB_STARTUP_TIMEOUT", default: .seconds(60))
        // Each run may hold a thread for its whole blocking step, so may each request holding a connection, and an
        // archive compresses on every core.
        let blockingDefault = min(scheduler.workers + databasePoolSize + ProcessInfo.processInfo.activeProcessorCount, 1024)
        blockingThreads = reader.integer("NOMALY_BLOCKING_THREADS", default: blockingDefault, range: 1...1024)

        http = HTTPSettings(&reader, home: home, absolute: absolute)
        backups = BackupSettings(&reader, home: home, absolute: absolute)
        scoring = ScoringSettings(reader: &reader)
        invocationsModel = environment["NOMALY_INVOCATIONS_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        rateLimitEnabled = reader.boolean("RATE_LIMIT_ENABLED", default: true)
        rateLimitPerMinute = reader.integer("RATE_LIMIT_PER_MINUTE", default: 60, range: 1...1_000_000)
        rateLimitBurst = reader.integer("RATE_LIMIT_BURST", default: 10, range: 1...1_000_000)

        archiveLimits = ArchiveLimits(reader: &reader)

        logLevel = reader.choice("LOG_LEVEL", default: "info", from: Self.logLevels)
        logFormat = LogFormat(rawValue: reader.choice("LOG_FORMAT", default: "logfmt", from: LogFormat.allCases.map(\.rawValue))) ?? .logfmt

        let problems = reader.problems
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }

    /// The deployment guide's `POSTGRES_HOST`, `POSTGRES_PORT`, `POSTGRES_DB` and `POSTGRES_USER`, as conninfo.
    static func guideConnectionString(_ reader: inout SettingsReader) -> String? {
        guard let host = reader.environment["POSTGRES_HOST"] else { return nil }
        var parts = ["host=\(PostgresConfiguration.quoteConninfoValue(host))"]
        if reader.environment["POSTGRES_PORT"] != nil {
            parts.append("port=\(reader.integer("POSTGRES_PORT", default: 5432, range: 1...65535))")
        }
        if let database = reader.environment["POSTGRES_DB"] { parts.append("dbname=\(PostgresConfiguration.quoteConninfoValue(database))") }
        if let user = reader.environment["POSTGRES_USER"] { parts.append("user=\(PostgresConfiguration.quoteConninfoValue(user))") }
        return parts.joined(separator: " ")
    }

    /// The pool settings for a configured server; nil for the embedded cluster, whose socket is known only once it runs.
    public var postgresConfiguration: PostgresConfiguration? {
        switch database {
        case .embedded: return nil
        case .libpqEnvironment: return postgres(connectionString: nil)
        case .connectionString(let text): return postgres(connectionString: text)
        }
    }

    /// Pool settings for a given connection string (the embedded cluster's, once started).
    public func postgres(connectionString: String?) -> PostgresConfiguration {
        PostgresConfiguration(
            connectionString: connectionString,
            password: databasePassword,
            maximumConnections: databasePoolSize,
            acquireTimeout: databaseAcquireTimeout
        )
    }

    /// The variables through which libpq itself can name a server.
    public static let libpqVariables = ["PGHOST", "PGHOSTADDR", "PGSERVICE", "PGDATABASE", "PGPORT"]

    /// A cheap syntactic check; libpq has the final word when it connects.
    static func connectionStringProblem(_ text: String) -> ConfigurationProblem? {
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") { return nil }
        if text.contains("=") { return nil }
        return ConfigurationProblem(
            variable: "DATABASE_URL",
            message: "is neither a postgresql:// URI nor key=value conninfo"
        )
    }
}

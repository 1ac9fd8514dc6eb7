package import Settings

/// Where Nomaly's database is.
package enum DatabaseLocation: Sendable, Equatable {
    /// A libpq connection string (URI or `key=value` conninfo) from `DATABASE_URL`.
    case connectionString(String)
    /// libpq's own `PG*` variables (`PGHOST`, `PGSERVICE`, …) describe the server.
    case libpqEnvironment
    /// No database configured: a private cluster under `$NOMALY_HOME/postgres`.
    case embedded
}

/// The database settings (docs/configuration.md, "Database"): which server, the pool, the embedded cluster's
/// programs and user, and the development override of the schema.
///
/// ```swift
/// var reader = SettingsReader(Environment())
/// let settings = PostgresSettings(reader: &reader)
/// let pool = PostgresPool(configuration: settings.configuration!, logger: logger)   // nil for the embedded cluster
/// ```
package struct PostgresSettings: Sendable, Equatable {
    /// `DATABASE_URL`, else the guide's `POSTGRES_HOST`/`PORT`/`DB`/`USER`, else libpq's `PG*` variables, else the
    /// embedded cluster.
    package var location: DatabaseLocation = .embedded
    /// `POSTGRES_PASSWORD` / `POSTGRES_PASSWORD_FILE` (the deployment guide's names): passed to libpq beside
    /// the connection string, so that a URL in a ConfigMap never carries the password.
    package var password: String?
    /// `NOMALY_PG_USER`: the system user that runs the embedded cluster when Nomaly runs as root.
    package var embeddedClusterUser = "postgres"
    /// `NOMALY_PG_BINDIR`, absolute: where initdb, pg_ctl, pg_dump live; found automatically when nil.
    package var binDirectory: String?
    /// `NOMALY_DB_POOL_SIZE`: the most connections the pool opens.
    package var poolSize = 10
    /// `NOMALY_DB_ACQUIRE_TIMEOUT`: how long a caller waits for a free connection.
    package var acquireTimeout: Duration = .seconds(10)
    /// `NOMALY_DB_STARTUP_TIMEOUT`: how long `nomaly serve` waits for an unreachable database at start.
    package var startupTimeout: Duration = .seconds(60)
    /// `NOMALY_MIGRATIONS_DIR`, absolute: a folder of `NNNN_name.sql` files used instead of the migrations compiled
    /// into the binary (for developing a migration without rebuilding). Nil: the compiled-in schema.
    package var migrationsDirectory: String?

    /// The variables through which libpq itself can name a server.
    package static let libpqVariables = ["PGHOST", "PGHOSTADDR", "PGSERVICE", "PGDATABASE", "PGPORT"]

    package init() {}

    /// Reads the database variables, each problem into `reader`, in the order `nomaly check` lists them.
    package init(reader: inout SettingsReader) {
        migrationsDirectory = reader.path("NOMALY_MIGRATIONS_DIR")
        if let url = reader.secret("DATABASE_URL") {
            location = .connectionString(url)
            if let problem = Self.connectionStringProblem(url) { reader.report(problem) }
        } else if let conninfo = Self.guideConnectionString(&reader) {
            location = .connectionString(conninfo)
        } else if Self.libpqVariables.contains(where: { reader.environment[$0] != nil }) {
            location = .libpqEnvironment
        }
        password = reader.secret("POSTGRES_PASSWORD")
        embeddedClusterUser = reader.environment["NOMALY_PG_USER"] ?? embeddedClusterUser
        binDirectory = reader.path("NOMALY_PG_BINDIR")
        poolSize = reader.integer("NOMALY_DB_POOL_SIZE", default: poolSize, range: 1...500)
        acquireTimeout = reader.duration("NOMALY_DB_ACQUIRE_TIMEOUT", default: acquireTimeout)
        startupTimeout = reader.duration("NOMALY_DB_STARTUP_TIMEOUT", default: startupTimeout)
    }

    /// The pool settings for a configured server; nil for the embedded cluster, whose socket is known only once it runs.
    package var configuration: PostgresConfiguration? {
        switch location {
        case .embedded: return nil
        case .libpqEnvironment: return configuration(connectionString: nil)
        case .connectionString(let text): return configuration(connectionString: text)
        }
    }

    /// Pool settings for a given connection string (the embedded cluster's, once started).
    package func configuration(connectionString: String?) -> PostgresConfiguration {
        PostgresConfiguration(
            connectionString: connectionString,
            password: password,
            maximumConnections: poolSize,
            acquireTimeout: acquireTimeout
        )
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

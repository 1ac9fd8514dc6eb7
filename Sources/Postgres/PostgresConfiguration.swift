import Foundation

/// How to reach a Postgres server and how big the pool is.
///
/// The connection string is handed to libpq untouched, so every libpq feature works: URIs and
/// `key=value` conninfo, `sslmode`, several hosts with `target_session_attrs`, `PGPASSFILE`,
/// service files, and the `PG*` environment for whatever the string leaves out.
///
/// ```swift
/// let configuration = PostgresConfiguration(connectionString: "postgresql://nomaly@db/nomaly?sslmode=require")
/// ```
package struct PostgresConfiguration: Sendable {
    /// A libpq URI or conninfo; nil means "only libpq's environment and defaults".
    package var connectionString: String?
    /// Given to libpq beside the connection string, which wins if it carries a password itself.
    package var password: String?
    package var applicationName: String
    /// Upper bound of open connections.
    package var maximumConnections: Int
    /// How long `withConnection` waits for a free connection before failing with `.poolExhausted`.
    package var acquireTimeout: Duration
    /// Idle connections older than this are closed by the pool's maintenance loop.
    package var idleTimeout: Duration

    package init(
        connectionString: String?,
        password: String? = nil,
        applicationName: String = "nomaly",
        maximumConnections: Int = 10,
        acquireTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(300)
    ) {
        self.connectionString = connectionString
        self.password = password
        self.applicationName = applicationName
        self.maximumConnections = maximumConnections
        self.acquireTimeout = acquireTimeout
        self.idleTimeout = idleTimeout
    }

    /// Keyword/value pairs for `PQconnectdbParams` with `expand_dbname`. Our defaults come first so that
    /// anything in the operator's connection string overrides them.
    var libpqParameters: [(String, String)] {
        var parameters: [(String, String)] = [
            ("application_name", applicationName),
            ("connect_timeout", "10"),
        ]
        if let password { parameters.append(("password", password)) }
        if let connectionString { parameters.append(("dbname", connectionString)) }
        return parameters
    }

    /// Quotes a conninfo value (`host='/path with spaces'`), as libpq's parser expects.
    package static func quoteConninfoValue(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}

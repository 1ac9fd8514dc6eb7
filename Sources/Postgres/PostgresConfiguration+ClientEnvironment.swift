internal import CPostgres
import Foundation

extension PostgresConfiguration {
    /// The environment under which libpq programs (`pg_dump`, `pg_restore`, `psql`) reach the same database as this
    /// configuration, without anything on their command line: a password in argv would show in `ps` to every
    /// local user.
    ///
    /// The connection string is parsed by libpq itself (`PQconninfoParse`) and every parameter it sets is mapped to
    /// the variable libpq documents for it (`host` → `PGHOST`, `password` → `PGPASSWORD`, …). Variables the
    /// operator already set (`PGSSLROOTCERT`, `PGPASSFILE`) are kept unless the string overrides them.
    ///
    /// ```swift
    /// let environment = try configuration.clientEnvironment(applicationName: "nomaly-backup")
    /// let child = try ChildProcess.spawn(["/usr/lib/postgresql/15/bin/pg_dump", "-Fc"], environment: environment)
    /// ```
    /// - Parameters:
    ///   - base: the environment to start from; the process's own when nil.
    ///   - database: connect to this database instead of the one the string names (a scratch database).
    /// - Throws: ``PostgresError`` when libpq cannot parse the connection string.
    package func clientEnvironment(
        applicationName: String,
        database: String? = nil,
        base: [String: String]? = nil
    ) throws -> [String: String] {
        var environment = base ?? ProcessInfo.processInfo.environment
        if let connectionString {
            for (keyword, value) in try Self.parameters(of: connectionString) {
                if let variable = Self.clientVariables[keyword] { environment[variable] = value }
            }
        }
        if let password { environment["PGPASSWORD"] = environment["PGPASSWORD"] ?? password }
        if let database { environment["PGDATABASE"] = database }
        environment["PGAPPNAME"] = applicationName
        environment["PGCONNECT_TIMEOUT"] = environment["PGCONNECT_TIMEOUT"] ?? "10"
        return environment
    }

    /// The parameters a connection string sets, by libpq keyword, as libpq itself parses them (`PQconninfoParse`).
    /// - Throws: ``PostgresError`` when libpq cannot parse the connection string.
    static func parameters(of connectionString: String) throws -> [String: String] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(code: .connectionFailed, message: "cannot parse the connection string: \(reason)")
        }
        defer { PQconninfoFree(options) }
        var parameters: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { parameters[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return parameters
    }

    /// The conninfo that reaches the same server as a client environment made by ``clientEnvironment(applicationName:database:base:)``:
    /// every libpq variable in it (TLS settings such as `PGSSLROOTCERT` included) becomes its keyword, for a
    /// connection of our own to where a child program went (a scratch database).
    package static func conninfo(fromClientEnvironment environment: [String: String]) -> String {
        clientVariables.sorted { $0.key < $1.key }.compactMap { keyword, variable in
            environment[variable].map { "\(keyword)=\(quoteConninfoValue($0))" }
        }.joined(separator: " ")
    }

    /// libpq's connection parameters and the environment variables that set them (libpq docs, "Environment
    /// Variables"); parameters without a variable cannot be passed this way and are rare in connection strings.
    static let clientVariables: [String: String] = [
        "host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER",
        "password": "PGPASSWORD", "passfile": "PGPASSFILE", "channel_binding": "PGCHANNELBINDING", "options": "PGOPTIONS",
        "application_name": "PGAPPNAME", "sslmode": "PGSSLMODE", "requiressl": "PGREQUIRESSL", "sslcompression": "PGSSLCOMPRESSION",
        "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslrootcert": "PGSSLROOTCERT", "sslcrl": "PGSSLCRL", "sslcrldir": "PGSSLCRLDIR",
        "sslsni": "PGSSLSNI", "requirepeer": "PGREQUIREPEER", "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
        "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION", "gssencmode": "PGGSSENCMODE", "krbsrvname": "PGKRBSRVNAME",
        "gsslib": "PGGSSLIB", "connect_timeout": "PGCONNECT_TIMEOUT", "client_encoding": "PGCLIENTENCODING",
        "target_session_attrs": "PGTARGETSESSIONATTRS", "service": "PGSERVICE", "load_balance_hosts": "PGLOADBALANCEHOSTS",
    ]
}

import Foundation
package import Postgres

/// A database of its own for one test, created on the server `DATABASE_URL` names and dropped afterwards,
/// so tests running in parallel never see each other's tables.
package struct ScratchDatabase: Sendable {
    package let name: String
    /// Connection string of the scratch database.
    package let connectionString: String

    /// The server URL with its path (the database name) replaced.
    static func replacingDatabase(in url: String, with name: String) throws -> String {
        guard var components = URLComponents(string: url) else { throw TestEnvironment.Missing(variable: "DATABASE_URL (as a postgresql:// URI)") }
        components.path = "/" + name
        return components.string!
    }

    /// Creates the database, runs `body` with a pool on it, then drops it whatever happened.
    package static func with<Result>(
        maximumConnections: Int = 4,
        acquireTimeout: Duration = .seconds(10),
        _ body: (PostgresPool, ScratchDatabase) async throws -> Result
    ) async throws -> Result {
        let serverURL = try TestEnvironment.databaseURL()
        let name = TestEnvironment.uniqueName("scratch")
        let admin = PostgresPool(configuration: .init(connectionString: serverURL, maximumConnections: 1), logger: TestEnvironment.logger)
        try await admin.execute("CREATE DATABASE \(quotePostgresIdentifier(name))")
        let scratch = ScratchDatabase(name: name, connectionString: try replacingDatabase(in: serverURL, with: name))
        let pool = PostgresPool(
            configuration: .init(connectionString: scratch.connectionString, maximumConnections: maximumConnections, acquireTimeout: acquireTimeout),
            logger: TestEnvironment.logger
        )
        func cleanUp() async {
            await pool.close()
            _ = try? await admin.execute("DROP DATABASE IF EXISTS \(quotePostgresIdentifier(name)) WITH (FORCE)")
            await admin.close()
        }
        do {
            let result = try await body(pool, scratch)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    /// Like ``with(maximumConnections:acquireTimeout:_:)`` with the repository's migrations applied.
    package static func withSchema<Result>(
        maximumConnections: Int = 8,
        _ body: (PostgresPool, ScratchDatabase) async throws -> Result
    ) async throws -> Result {
        try await with(maximumConnections: maximumConnections) { pool, scratch in
            let migrations = try Migration.load(from: TestEnvironment.repositoryRoot + "/migrations")
            try await Migrator(pool: pool, migrations: migrations, logger: TestEnvironment.logger).apply()
            return try await body(pool, scratch)
        }
    }
}

package import Postgres

extension Runtime {
    /// Runs `body` with the migrator over the database and the migrations ``loadMigrations()`` reads, which are read
    /// before the database is opened: what `nomaly migrate` starts with.
    package func withMigrator<Result>(_ body: (Migrator) async throws -> Result) async throws -> Result {
        let migrations = try loadMigrations()
        return try await withDatabase { pool in try await body(Migrator(pool: pool, migrations: migrations, logger: logger)) }
    }
}

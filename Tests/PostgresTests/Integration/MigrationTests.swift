import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Migrations (real Postgres)")
struct MigrationTests {
    /// A migrations folder of its own for one test.
    final class Folder {
        let path = "/tmp/" + TestEnvironment.uniqueName("migrations")
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func write(_ name: String, _ sql: String) throws { try sql.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
        func load() throws -> [Migration] { try Migration.load(from: path) }
    }

    @Test("the repository's migrations apply to an empty database and create the schema")
    func repositoryMigrations() async throws {
        try await ScratchDatabase.with { pool, _ in
            let migrations = try Migration.load(from: TestEnvironment.repositoryRoot + "/migrations")
            #expect(migrations.first?.filename == "0001_initial.sql")
            let migrator = Migrator(pool: pool, migrations: migrations, logger: TestEnvironment.logger)
            #expect(try await migrator.isCurrent() == false)
            let applied = try await migrator.apply()
            #expect(applied.count == migrations.count)
            #expect(try await migrator.isCurrent())
            #expect(try await migrator.apply().isEmpty)
            let tables = Set(try await pool.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").decode(String.self))
            for table in [
                "jobs", "job_runs", "models", "model_versions", "model_aliases", "alias_history", "api_tokens", "audit_log", "backups",
                "anomaly_scores", "schema_migrations",
            ] {
                #expect(tables.contains(table), "missing table \(table)")
            }
            // The slot constraint that makes a scheduled run fire once.
            try await pool.execute("INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('nightly', 'command', '0 2 * * *', 'h')")
            let slot = "INSERT INTO job_runs (job_name, scheduled_at, trigger) VALUES ('nightly', '2026-11-29T02:00:00Z', 'schedule')"
            try await pool.execute(slot)
            let duplicate = try await #require(throws: PostgresError.self) { try await pool.execute(slot) }
            #expect(duplicate.code == .uniqueViolation)
        }
    }

    @Test("status lists applied and pending migrations with their checksums")
    func status() async throws {
        let folder = try Folder()
        try folder.write("0001_first.sql", "CREATE TABLE first (id int);")
        try await ScratchDatabase.with { pool, _ in
            try await Migrator(pool: pool, migrations: try folder.load(), logger: TestEnvironment.logger).apply()
            try folder.write("0002_second.sql", "CREATE TABLE second (id int);")
            let statuses = try await Migrator(pool: pool, migrations: try folder.load(), logger: TestEnvironment.logger).status()
            #expect(statuses.map(\.state) == [.applied, .pending])
            #expect(statuses[0].appliedAt != nil)
            #expect(statuses[0].checksum == (try folder.load())[0].checksum)
        }
    }

    @Test("an applied migration edited afterwards is refused before anything else runs")
    func editedMigrationRefused() async throws {
        let folder = try Folder()
        try folder.write("0001_first.sql", "CREATE TABLE first (id int);")
        try await ScratchDatabase.with { pool, _ in
            try await Migrator(pool: pool, migrations: try folder.load(), logger: TestEnvironment.logger).apply()
            try folder.write("0001_first.sql", "CREATE TABLE first (id bigint);")
            try folder.write("0002_second.sql", "CREATE TABLE second (id int);")
            let migrator = Migrator(pool: pool, migrations: try folder.load(), logger: TestEnvironment.logger)
            let error = try await #require(throws: MigrationError.self) { try await migrator.apply() }
            #expect(error.code == .checksumMismatch)
            #expect(error.message.contains("0001_first.sql was edited after it was applied"))
            #expect(try await migrator.status().map(\.state) == [.changed, .pending])
            let second = try await pool.query("SELECT to_regclass('second') IS NULL").first!.decode(Bool.self)
            #expect(second, "nothing may be applied after a checksum mismatch")
        }
    }

    @Test("line endings do not change a checksum")
    func crlfChecksum() {
        let unix = Migration(version: 1, name: "a", filename: "0001_a.sql", sql: "SELECT 1;\nSELECT 2;\n")
        let windows = Migration(version: 1, name: "a", filename: "0001_a.sql", sql: "SELECT 1;\r\nSELECT 2;\r\n")
        #expect(unix.checksum == windows.checksum)
    }

    @Test("a failing migration rolls back entirely and its error names file, line and column")
    func failingMigration() async throws {
        let folder = try Folder()
        try folder.write("0001_first.sql", "CREATE TABLE first (id int);")
        try folder.write("0002_broken.sql", "CREATE TABLE partial (id int);\nINSERT INTO partial VALUES (1);\nSELEC broken;\n")
        try await ScratchDatabase.with { pool, _ in
            let migrator = Migrator(pool: pool, migrations: try folder.load(), logger: TestEnvironment.logger)
            let error = try await #require(throws: MigrationError.self) { try await migrator.apply() }
            #expect(error.code == .failed)
            #expect(error.message.hasPrefix("0002_broken.sql:3:1: syntax error"))
            #expect(try await migrator.status().map(\.state) == [.applied, .pending])
            #expect(try await pool.query("SELECT to_regclass('partial') IS NULL").first!.decode(Bool.self))
        }
    }

    @Test("a pending migration numbered below an applied one is refused")
    func outOfOrder() async throws {
        let folder = try Folder()
        try folder.write("0002_second.sql", "SELECT 1;")
        try await ScratchDatabase.with { pool, _ in
            try await Migrator(pool: pool, migrations: try folder.load(), logger: TestEnvironment.logger).apply()
            try folder.write("0001_first.sql", "SELECT 1;")
            let error = try await #require(throws: MigrationError.self) {
                try await Migrator(pool: pool, migrations: try folder.load(), logger: TestEnvironment.logger).apply()
            }
            #expect(error.code == .outOfOrder)
        }
    }

    @Test("a no-transaction migration can run CREATE INDEX CONCURRENTLY")
    func noTransaction() async throws {
        let folder = try Folder()
        try folder.write("0001_table.sql", "CREATE TABLE items (id int);")
        try folder.write("0002_index.sql", "-- nomaly:no-transaction\nCREATE INDEX CONCURRENTLY items_id ON items (id);\n")
        try await ScratchDatabase.with { pool, _ in
            let applied = try await Migrator(pool: pool, migrations: try folder.load(), logger: TestEnvironment.logger).apply()
            #expect(applied.map(\.transactional) == [true, false])
            #expect(try await pool.query("SELECT to_regclass('items_id') IS NOT NULL").first!.decode(Bool.self))
        }
    }

    @Test(
        "misnamed and duplicate files are refused with the file named",
        arguments: [
            (["first.sql"], "NNNN_name.sql"),
            (["01_short.sql"], "four or more digits"),
            (["0001_a.sql", "0001_b.sql"], "both have version 1"),
            (["0000_zero.sql"], "NNNN_name.sql"),
        ]
    )
    func invalidFiles(names: [String], expected: String) throws {
        let folder = try Folder()
        for name in names { try folder.write(name, "SELECT 1;") }
        let error = try #require(throws: MigrationError.self) { try folder.load() }
        #expect(error.code == .invalidFile)
        #expect(error.message.contains(expected))
    }

    @Test("a missing folder says which variable to set")
    func missingFolder() throws {
        let error = try #require(throws: MigrationError.self) { try Migration.load(from: "/nonexistent/migrations") }
        #expect(error.message.contains("NOMALY_MIGRATIONS_DIR"))
    }
}

import Foundation
import Postgres
import Processes
import TestSupport
import Testing

@Suite("nomaly migrate and nomaly check, run as processes")
struct MigrateCommandTests {
    func folder(_ files: [String: String]) throws -> String {
        let path = "/tmp/" + TestEnvironment.uniqueName("migrations")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, sql) in files { try sql.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
        return path
    }

    @Test("two nomaly migrate processes started together apply each migration exactly once")
    func concurrentMigrate() async throws {
        let migrations = try folder([
            "0001_log.sql": "CREATE TABLE applied_log (file text NOT NULL); INSERT INTO applied_log VALUES ('one'); SELECT pg_sleep(1);",
            "0002_two.sql": "INSERT INTO applied_log VALUES ('two');",
            "0003_three.sql": "INSERT INTO applied_log VALUES ('three');",
        ])
        defer { try? FileManager.default.removeItem(atPath: migrations) }
        try await ScratchDatabase.with { pool, scratch in
            let environment = ["DATABASE_URL": scratch.connectionString, "NOMALY_MIGRATIONS_DIR": migrations]
            async let first = NomalyProcess.run(["migrate"], environment: environment)
            async let second = NomalyProcess.run(["migrate"], environment: environment)
            let results = try await [first, second]
            for result in results { #expect(result.status == 0, "\(result.combinedOutput)") }
            let outputs = results.map(\.standardOutput).sorted()
            #expect(outputs.contains { $0.contains("applied 3 migration(s)") })
            #expect(outputs.contains { $0.contains("database is up to date") })
            let log = try await pool.query("SELECT file FROM applied_log ORDER BY file").decode(String.self)
            #expect(log == ["one", "three", "two"])
            #expect(try await pool.query("SELECT count(*) FROM schema_migrations").first!.decode(Int.self) == 3)
        }
    }

    @Test("nomaly migrate refuses an edited migration with exit 1 and says what to do")
    func editedMigration() async throws {
        let migrations = try folder(["0001_first.sql": "CREATE TABLE first (id int);"])
        defer { try? FileManager.default.removeItem(atPath: migrations) }
        try await ScratchDatabase.with { _, scratch in
            let environment = ["DATABASE_URL": scratch.connectionString, "NOMALY_MIGRATIONS_DIR": migrations]
            #expect(try await NomalyProcess.run(["migrate"], environment: environment).status == 0)
            try "CREATE TABLE first (id bigint);".write(toFile: migrations + "/0001_first.sql", atomically: true, encoding: .utf8)
            let refused = try await NomalyProcess.run(["migrate"], environment: environment)
            #expect(refused.status == 1)
            #expect(refused.standardError.contains("error: migration 0001_first.sql was edited after it was applied"))
            #expect(refused.standardError.contains("put the change in a new migration"))
            let status = try await NomalyProcess.run(["migrate", "--status"], environment: environment)
            #expect(status.status == 1)
            #expect(status.standardOutput.contains("changed"))

            // check --connect says the same, with the same file name, and never "up to date" beside it.
            try "CREATE TABLE second (id int);".write(toFile: migrations + "/0002_second.sql", atomically: true, encoding: .utf8)
            let check = try await NomalyProcess.run(["check", "--connect"], environment: environment)
            #expect(check.status == 1)
            #expect(check.standardError.contains("migration 0001_first.sql was edited after it was applied"), "\(check.standardError)")
            #expect(!check.standardOutput.contains("up to date"), "\(check.standardOutput)")
            #expect(
                check.standardOutput.contains(
                    "database_migrations: 1 edited after it was applied (0001_first.sql); 1 pending (0002_second.sql)"
                ),
                "\(check.standardOutput)"
            )
            let json = try await NomalyProcess.run(["check", "--connect", "--json"], environment: environment)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
            let settings = try #require(report["settings"] as? [String: String])
            #expect(settings["database_migrations"]?.contains("up to date") == false, "\(settings)")
        }
    }

    @Test("check --connect says up to date only when every migration is applied unchanged")
    func checkUpToDate() async throws {
        try await ScratchDatabase.withSchema { _, scratch in
            let check = try await NomalyProcess.run(["check", "--connect"], environment: ["DATABASE_URL": scratch.connectionString])
            #expect(check.status == 0, "\(check.combinedOutput)")
            #expect(check.standardOutput.contains("database_migrations: up to date"), "\(check.standardOutput)")
        }
    }

    @Test("nomaly migrate --status --json lists the repository's schema with stable field names")
    func statusJSON() async throws {
        try await ScratchDatabase.with { _, scratch in
            let environment = ["DATABASE_URL": scratch.connectionString]
            #expect(try await NomalyProcess.run(["migrate"], environment: environment).status == 0)
            let result = try await NomalyProcess.run(["migrate", "--status", "--json"], environment: environment)
            #expect(result.status == 0, "\(result.standardError)")
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
            let first = try #require(entries.first)
            #expect(first["version"] as? Int == 1)
            #expect(first["name"] as? String == "initial")
            #expect(first["state"] as? String == "applied")
            #expect((first["checksum"] as? String)?.count == 64)
            #expect(first["applied_at"] is String)
            #expect(first["execution_ms"] is Int)
        }
    }

    @Test("from an empty directory with no NOMALY_MIGRATIONS_DIR, nomaly migrate applies the compiled-in schema and --status lists it")
    func compiledInSchema() async throws {
        let elsewhere = try TemporaryFolder("nomaly-elsewhere")
        let files = try Migration.load(from: TestEnvironment.repositoryRoot + "/migrations")
        try await ScratchDatabase.with { pool, scratch in
            let environment = ["DATABASE_URL": scratch.connectionString]
            let migrate = try await NomalyProcess.run(["migrate"], environment: environment, workingDirectory: elsewhere.path)
            #expect(migrate.status == 0, "\(migrate.combinedOutput)")
            #expect(migrate.standardOutput.contains("applied \(files.count) migration(s)"), "\(migrate.standardOutput)")
            #expect(try await pool.query("SELECT to_regclass('job_runs') IS NOT NULL").first!.decode(Bool.self))

            let status = try await NomalyProcess.run(["migrate", "--status", "--json"], environment: environment, workingDirectory: elsewhere.path)
            #expect(status.status == 0, "\(status.combinedOutput)")
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [[String: Any]])
            #expect(entries.compactMap { $0["version"] as? Int } == files.map(\.version))
            #expect(entries.compactMap { $0["name"] as? String } == files.map(\.name))
            #expect(entries.allSatisfy { $0["state"] as? String == "applied" }, "\(entries)")
            // The checksums of the files: a database migrated from them before the schema was compiled in stays current.
            #expect(entries.compactMap { $0["checksum"] as? String } == files.map(\.checksum))

            let table = try await NomalyProcess.run(["migrate", "--status"], environment: environment, workingDirectory: elsewhere.path)
            #expect(table.status == 0, "\(table.combinedOutput)")
            for file in files { #expect(table.standardOutput.contains(file.name), "\(table.standardOutput)") }
        }
        #expect(try elsewhere.names().isEmpty, "nomaly migrate wrote into its working directory")
    }

    @Test("nomaly check lists every invalid variable and exits 1; --json is machine-readable")
    func check() async throws {
        let bad = ["NOMALY_HTTP_PORT": "eighty", "LOG_FORMAT": "xml", "DATABASE_URL_FILE": "/nonexistent/db-url"]
        let text = try await NomalyProcess.run(["check"], environment: bad)
        #expect(text.status == 1)
        #expect(text.standardError.contains("error: NOMALY_HTTP_PORT: 'eighty' is not an integer"))
        #expect(text.standardError.contains("error: LOG_FORMAT: 'xml' is not one of logfmt, json"))
        #expect(text.standardError.contains("error: DATABASE_URL_FILE: cannot read secret file /nonexistent/db-url"))

        let json = try await NomalyProcess.run(["check", "--json"], environment: bad)
        #expect(json.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(report["ok"] as? Bool == false)
        // Every problem has every field; a setting's problem has no file, line, column or key, so those are null.
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(Set(problems.compactMap { $0["variable"] as? String }) == ["NOMALY_HTTP_PORT", "LOG_FORMAT", "DATABASE_URL_FILE"])
        #expect(problems.count == 3)
        #expect(problems.allSatisfy { Set($0.keys) == ["variable", "message", "file", "line", "column", "key"] && $0["file"] is NSNull })

        let good = try await NomalyProcess.run(["check"], environment: ["DATABASE_URL": "postgresql://nomaly:hunter2@db/nomaly"])
        #expect(good.status == 0, "\(good.standardError)")
        #expect(good.standardOutput.contains("configuration OK"))
        #expect(!good.standardOutput.contains("hunter2"))
    }

    @Test("nomaly --version prints the version")
    func version() async throws {
        let result = try await NomalyProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("nomaly "))
    }
}

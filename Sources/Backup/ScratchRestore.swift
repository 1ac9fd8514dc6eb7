import Foundation
import Logging
import ObjectStore
import Postgres

/// `backup verify --restore-test`: restores a dump into a database created for the purpose, compares row counts with
/// the manifest, and drops the database whatever happened.
struct ScratchRestore {
    let environment: BackupEnvironment

    /// - Returns: how many tables were compared.
    func restoreAndCount(dump: String, expected: [BackupManifest.TableRows]) async throws -> Int {
        // Named after the live database, so an operator who finds one left behind (the process was killed) knows
        // where it came from; identifiers are cut at 63 bytes.
        let live = try await environment.pool.query("SELECT current_database()").first!.decode(String.self)
        let suffix = "_restore_test_" + UUID().uuidString.prefix(8).lowercased()
        let name = String(live.utf8.prefix(63 - suffix.utf8.count))! + suffix
        let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        do {
            try await environment.pool.execute("CREATE DATABASE \(quoted)")
        } catch {
            throw BackupError(
                .refused,
                "cannot create a scratch database for the restore test (the role needs CREATEDB): \(error)"
            )
        }
        do {
            let count = try await restoreAndCount(into: name, dump: dump, expected: expected)
            await drop(quoted)
            return count
        } catch {
            await drop(quoted)
            throw error
        }
    }

    private func restoreAndCount(into database: String, dump: String, expected: [BackupManifest.TableRows]) async throws -> Int {
        var configuration = environment.source
        let server = try await environment.pool.serverMajorVersion()
        let tools = try await environment.tools.forServer(major: server.major, override: environment.binDirectory)
        let clientEnvironment = try configuration.clientEnvironment(applicationName: "nomaly-restore-test", database: database)
        try await PostgresTools.run(
            [tools.path("pg_restore"), "--exit-on-error", "--no-owner", "--no-privileges", "--dbname=" + database],
            environment: clientEnvironment,
            input: dump,
            what: "the test restore into \(database)"
        )
        configuration.connectionString = PostgresConfiguration.conninfo(fromClientEnvironment: clientEnvironment)
        configuration.maximumConnections = 1
        let pool = PostgresPool(configuration: configuration, logger: environment.logger)
        let actual = try await withAsyncCleanup {
            try await pool.withConnection { try await DatabaseDump.rowCounts(on: $0) }
        } cleanup: {
            await pool.close()
        }
        try Self.compare(actual: actual, expected: expected, what: "the test restore")
        return expected.count
    }

    static func compare(actual: [BackupManifest.TableRows], expected: [BackupManifest.TableRows], what: String) throws {
        let found = Dictionary(uniqueKeysWithValues: actual.map { ($0.table, $0.rows) })
        var differences: [String] = []
        for table in expected where found[table.table] != table.rows {
            differences.append("\(table.table): \(found[table.table].map(String.init) ?? "missing") rows, manifest says \(table.rows)")
        }
        guard differences.isEmpty else {
            throw BackupError(.integrity, "\(what) does not match the manifest: " + differences.prefix(5).joined(separator: "; "))
        }
    }

    private func drop(_ quoted: String) async {
        do {
            try await environment.pool.execute("DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)")
        } catch {
            environment.logger.error(
                "could not drop the scratch database; drop it by hand",
                metadata: ["database": "\(quoted)", "error": "\(error)"]
            )
        }
    }
}

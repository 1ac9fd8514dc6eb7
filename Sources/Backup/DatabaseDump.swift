import Foundation
import Logging
import Postgres
import Processes

/// `database.dump`: `pg_dump -Fc --no-owner` streamed from the program's standard output through hashing (and
/// encryption) into the set, so the dump is never on disk in the clear and never read twice.
///
/// Row counts and the migration level are read in a repeatable-read transaction whose snapshot pg_dump imports
/// (`--snapshot`): they describe exactly the data in the dump, even while jobs keep writing.
struct DatabaseDump {
    static let fileName = "database.dump"

    struct Outcome {
        let file: BackupManifest.FileEntry
        let facts: BackupManifest.PostgresFacts
        let rowCounts: [BackupManifest.TableRows]
    }

    /// The database to dump; usually the one the records go to.
    let source: PostgresConfiguration
    let binDirectory: String?
    let toolsCache: PostgresToolsCache
    let logger: Logger

    func write(to destination: String, setID: BackupSetID, key: EncryptionKey?) async throws -> Outcome {
        var single = source
        single.maximumConnections = 1
        single.applicationName = "nomaly-backup"
        let pool = PostgresPool(configuration: single, logger: logger)
        do {
            return try await withAsyncCleanup {
                try await write(to: destination, setID: setID, key: key, pool: pool)
            } cleanup: {
                await pool.close()
            }
        } catch let error as PostgresError {
            throw BackupError(.database, "cannot read the database to back up (\(source.redactedConnectionString)): \(error)")
        }
    }

    private func write(to destination: String, setID: BackupSetID, key: EncryptionKey?, pool: PostgresPool) async throws -> Outcome {
        let server = try await pool.serverMajorVersion()
        let tools = try await toolsCache.forServer(major: server.major, override: binDirectory)
        let environment = try source.clientEnvironment(applicationName: "nomaly-backup")
        return try await pool.withConnection { connection in
            try await connection.withTransaction(isolation: .repeatableRead) { connection in
                try await connection.execute("SET TRANSACTION READ ONLY")
                let snapshot = try await connection.query("SELECT pg_export_snapshot()").first!.decode(String.self)
                let database = try await connection.query("SELECT current_database()").first!.decode(String.self)
                let level = try await migrationLevel(on: connection)
                let counts = try await rowCounts(on: connection)
                let arguments = [tools.path("pg_dump"), "--format=custom", "--no-owner", "--snapshot=\(snapshot)"]
                let file = try await Self.stream(
                    arguments,
                    environment: environment,
                    into: destination,
                    name: Self.fileName,
                    setID: setID,
                    key: key
                )
                return Outcome(
                    file: file,
                    facts: .init(serverVersion: server.text, pgDumpVersion: tools.version, migrationLevel: level, database: database),
                    rowCounts: counts
                )
            }
        }
    }

    private func migrationLevel(on connection: PostgresConnection) async throws -> Int {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL").first!.decode(Bool.self)
        guard exists else { return 0 }
        return try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations").first!.decode(Int.self)
    }

    /// Every ordinary table outside the system schemas.
    private func rowCounts(on connection: PostgresConnection) async throws -> [BackupManifest.TableRows] {
        try await Self.rowCounts(on: connection)
    }

    static func rowCounts(on connection: PostgresConnection) async throws -> [BackupManifest.TableRows] {
        let tables = try await connection.query(
            """
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            ORDER BY 1
            """
        ).decode(String.self)
        var counts: [BackupManifest.TableRows] = []
        for table in tables {
            // The name comes from format('%I'), quoted as an identifier by the server.
            let rows = try await connection.query("SELECT count(*) FROM \(table)").first!.decode(Int64.self)
            counts.append(.init(table: table, rows: rows))
        }
        return counts
    }

    /// Runs `arguments`, writing its standard output into the set; any exit status but 0, or a signal, fails with
    /// the program's standard error, and the partial file is removed. Cancelling the task stops the program
    /// (``Processes/ChildProcess/supervise(_:environment:workingDirectory:standardInput:killGrace:_:)``).
    static func stream(
        _ arguments: [String],
        environment: [String: String],
        into destination: String,
        name: String,
        setID: BackupSetID,
        key: EncryptionKey?
    ) async throws -> BackupManifest.FileEntry {
        let program = URL(fileURLWithPath: arguments[0]).lastPathComponent
        do {
            return try await ChildProcess.supervise(arguments, environment: environment, killGrace: PostgresTools.killGrace) { child in
                let writer = try SetFileWriter(name: name, setID: setID, destination: destination, key: key)
                var diagnostics = Data()
                var writeError: (any Error)?
                let status = child.streamSeparately { stream, bytes in
                    switch stream {
                    case .standardError:
                        if diagnostics.count < 65_536 { diagnostics.append(contentsOf: bytes) }
                    case .standardOutput:
                        guard writeError == nil else { return }
                        do { try writer.write(bytes) } catch {
                            writeError = error
                            child.stop(killGrace: PostgresTools.killGrace)
                        }
                    }
                }
                guard writeError == nil, status == 0 else {
                    writer.discard()
                    if let writeError { throw writeError }
                    let reason = PostgresTools.lastLines(String(decoding: diagnostics, as: UTF8.self))
                    throw BackupError(.tool, "\(program) exited with status \(status): \(reason)")
                }
                do {
                    return try writer.commit()
                } catch {
                    writer.discard()
                    throw error
                }
            }
        } catch let error as ChildProcessError {
            throw BackupError(.tool, "cannot start \(program): \(error)")
        }
    }
}

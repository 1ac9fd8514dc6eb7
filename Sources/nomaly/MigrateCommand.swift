import App
import ArgumentParser
import Foundation
import Postgres

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations, or list them with --status.",
        discussion: """
            Applies migrations/NNNN_name.sql files in order, each in its own transaction, recording each in \
            schema_migrations with its sha256. An advisory lock makes concurrent runs (replicas starting together) \
            apply each file exactly once. A file edited after it was applied is refused: add a new migration instead. \
            The migrations are compiled into the binary (the repository's migrations/ when it was built), so this \
            works from any directory; NOMALY_MIGRATIONS_DIR names a folder to use instead, for developing a migration.
            """
    )

    @Flag(help: "List every migration and whether it is applied, pending, changed or missing; apply nothing.")
    var status = false

    @Flag(
        help:
            "Print JSON: with --status an array of {version, name, state, checksum, applied_at, execution_ms}; otherwise the applied {version, name, checksum}."
    )
    var json = false

    func run() async throws {
        try await Runtime.load().withMigrator { migrator in
            if status {
                let statuses = try await migrator.status()
                if json { try JSONOutput.print(statuses) } else { Self.printTable(statuses) }
                if statuses.contains(where: { $0.state == .changed }) { throw ExitCode.failure }
            } else {
                let applied = try await migrator.apply()
                if json {
                    try JSONOutput.print(applied.map { AppliedMigration(version: $0.version, name: $0.name, checksum: $0.checksum) })
                } else {
                    print(
                        applied.isEmpty
                            ? "database is up to date"
                            : "applied \(applied.count) migration(s): \(applied.map(\.filename).joined(separator: ", "))"
                    )
                }
            }
        }
    }

    struct AppliedMigration: Encodable {
        let version: Int
        let name: String
        let checksum: String
    }

    static func printTable(_ statuses: [MigrationStatus]) {
        let formatter = ISO8601DateFormatter()
        let rows = statuses.map { status in
            [String(format: "%04d", status.version), status.name, status.state.rawValue, status.appliedAt.map(formatter.string) ?? "-"]
        }
        printColumns(header: ["VERSION", "NAME", "STATE", "APPLIED AT"], rows: rows)
    }
}

/// Left-aligned columns separated by two spaces, like kubectl.
func printColumns(header: [String], rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}

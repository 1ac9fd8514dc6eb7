import Foundation
import JSONValues
import Logging
package import Postgres
package import Scheduler
import Units

/// `kind: vacuum` — `VACUUM (ANALYZE)` of the whole database or of listed tables, recording each table's dead
/// tuples before and after.
///
/// ```yaml
/// kind: vacuum
/// schedule: "0 3 * * 0"
/// with:
///   tables: [job_runs, anomaly_scores]   # default: every user table
///   analyze: true                        # default true
///   full: false                          # VACUUM FULL rewrites tables and locks them: use with care
/// ```
package struct VacuumKind: JobKind {
    package let name = "vacuum"
    let pool: PostgresPool?

    /// - Parameter pool: nil to only validate settings (`nomaly check` works offline).
    package init(pool: PostgresPool?) {
        self.pool = pool
    }

    package func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        let tables = settings.strings("tables")
        let analyze = settings.bool("analyze") ?? true
        let full = settings.bool("full") ?? false
        try settings.stopIfInvalid()
        return VacuumRun(pool: pool, tables: tables, analyze: analyze, full: full)
    }
}

struct VacuumRun: JobRunnable {
    let pool: PostgresPool?
    let tables: [String]?
    let analyze: Bool
    let full: Bool

    private struct Table: Decodable {
        let name: String
        let oid: Int64
    }

    func run(_ context: RunContext) async throws -> RunOutcome {
        guard let pool else { throw JobFailure("vacuum needs a database connection") }
        return try await pool.withConnection { connection in
            let targets = try await resolveTables(on: connection)
            let options = ["ANALYZE \(analyze)", "FULL \(full)"].joined(separator: ", ")
            var report: [JSONValue] = []
            for table in targets {
                try Task.checkCancellation()
                let before = try await deadTuples(table.oid, on: connection)
                let started = ContinuousClock.now
                // The name comes from regclass's own output, already quoted as an identifier; VACUUM cannot take parameters.
                try await connection.execute("VACUUM (\(options)) \(table.name)")
                let seconds = (ContinuousClock.now - started).inSeconds
                // Statistics are read through a per-transaction snapshot: drop it to see what this VACUUM reported.
                try await connection.execute("SELECT pg_stat_clear_snapshot()")
                let after = try await deadTuples(table.oid, on: connection)
                context.log.append(
                    line: "VACUUM (\(options)) \(table.name): dead tuples \(before) → \(after) in \(String(format: "%.3f", seconds)) s"
                )
                report.append(
                    .object([
                        "table": .string(table.name), "dead_before": .integer(before), "dead_after": .integer(after),
                        "seconds": .number(seconds),
                    ])
                )
            }
            return RunOutcome(result: .object(["tables": .array(report)]))
        }
    }

    private func resolveTables(on connection: PostgresConnection) async throws -> [Table] {
        guard let tables else {
            return try await connection.query(
                "SELECT relid::regclass::text AS name, relid::int8 AS oid FROM pg_stat_user_tables ORDER BY 1"
            ).decode(Table.self)
        }
        var resolved: [Table] = []
        for name in tables {
            let found: Table?
            do {
                found = try await connection.query(
                    "SELECT to_regclass($1)::text AS name, to_regclass($1)::oid::int8 AS oid WHERE to_regclass($1) IS NOT NULL",
                    [name]
                ).first?.decode(Table.self)
            } catch let error as PostgresError where error.sqlState == "42602" {
                // Not even a syntactically valid name (`nope; DROP TABLE x`).
                found = nil
            }
            guard let found else { throw JobFailure("no table named '\(name)' in the database") }
            resolved.append(found)
        }
        return resolved
    }

    private func deadTuples(_ oid: Int64, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.query("SELECT coalesce(n_dead_tup, 0) FROM pg_stat_user_tables WHERE relid = $1::oid", [oid]).first?
            .decode(Int64.self) ?? 0
    }
}

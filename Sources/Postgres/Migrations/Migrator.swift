package import Foundation
package import Logging
import Units

/// One migration's state in `nomaly migrate --status`.
package struct MigrationStatus: Sendable, Codable, Equatable {
    package enum State: String, Sendable, Codable {
        case applied
        case pending
        /// Applied, but this binary's copy (or `NOMALY_MIGRATIONS_DIR`'s file) has a different checksum now.
        case changed
        /// Recorded as applied but no migration here has its version (a newer binary ran against this database).
        case missing
    }

    package let version: Int
    package let name: String
    package let state: State
    package let checksum: String
    package let appliedAt: Date?
    package let executionMilliseconds: Int?

    /// `execution_ms` in `--json`, as in the schema_migrations column.
    enum CodingKeys: String, CodingKey {
        case version, name, state, checksum, appliedAt
        case executionMilliseconds = "executionMs"
    }
}

/// Applies migrations in order, each once, recorded in `schema_migrations` with its checksum.
///
/// All work happens under one advisory lock, so replicas starting together apply each file exactly once:
/// the second waits, then finds nothing left to do.
///
/// ```swift
/// let applied = try await Migrator(pool: pool, migrations: Migration.embedded(), logger: logger).apply()
/// ```
package struct Migrator: Sendable {
    package let pool: PostgresPool
    package let migrations: [Migration]
    let logger: Logger

    static let lockKey = AdvisoryLockKey(name: "schema_migrations")

    package init(pool: PostgresPool, migrations: [Migration], logger: Logger) {
        self.pool = pool
        self.migrations = migrations
        self.logger = logger
    }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            execution_ms integer NOT NULL
        )
        """

    private struct AppliedRow: Decodable {
        let version: Int
        let name: String
        let checksum: String
        let appliedAt: Date
        let executionMs: Int
    }

    /// Every migration known here or recorded in the database, by version.
    package func status() async throws -> [MigrationStatus] {
        let applied = try await appliedRows()
        return Self.merge(files: migrations, applied: applied)
    }

    /// True when every migration known here is applied unchanged (what `/ready` checks).
    package func isCurrent() async throws -> Bool {
        try await status().allSatisfy { $0.state == .applied || $0.state == .missing }
    }

    /// Applies the pending migrations in order.
    /// - Returns: the migrations applied by this call (empty when another replica got there first).
    /// - Throws: ``MigrationError`` when an applied file changed, a pending file is numbered below an applied
    ///   one, or a migration's SQL fails (naming the file, line and column).
    @discardableResult
    package func apply() async throws -> [Migration] {
        try await pool.withAdvisoryLock(Self.lockKey) { connection in
            try await connection.execute(Self.createTable)
            let applied = try await connection.query("SELECT version, name, checksum, applied_at, execution_ms FROM schema_migrations")
                .decode(AppliedRow.self)
            let appliedByVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
            for migration in migrations {
                if let row = appliedByVersion[migration.version], row.checksum != migration.checksum {
                    throw MigrationError(
                        code: .checksumMismatch,
                        message: "migration \(migration.filename) was edited after it was applied on \(row.appliedAt) "
                            + "(checksum \(row.checksum.prefix(12))… in schema_migrations, \(migration.checksum.prefix(12))… now); "
                            + "restore the original file and put the change in a new migration"
                    )
                }
            }
            let highestApplied = applied.map(\.version).max() ?? 0
            let pending = migrations.filter { appliedByVersion[$0.version] == nil }
            if let early = pending.first(where: { $0.version < highestApplied }) {
                throw MigrationError(
                    code: .outOfOrder,
                    message: "migration \(early.filename) is pending but version \(highestApplied) is already applied; "
                        + "give it a number above \(highestApplied)"
                )
            }
            var done: [Migration] = []
            for migration in pending {
                try await run(migration, on: connection)
                done.append(migration)
            }
            return done
        }
    }

    private func run(_ migration: Migration, on connection: PostgresConnection) async throws {
        let started = ContinuousClock.now
        let record = "INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)"
        do {
            if migration.transactional {
                try await connection.withTransaction { connection in
                    try await connection.executeScript(migration.sql)
                    try await connection.execute(record, [migration.version, migration.name, migration.checksum, Self.milliseconds(since: started)])
                }
            } else {
                try await connection.executeScript(migration.sql)
                try await connection.execute(record, [migration.version, migration.name, migration.checksum, Self.milliseconds(since: started)])
            }
        } catch let error as PostgresError {
            var location = migration.filename
            if let position = error.position {
                let (line, column) = Self.lineAndColumn(of: position, in: migration.sql)
                location += ":\(line):\(column)"
            }
            throw MigrationError(code: .failed, message: "\(location): \(error)")
        }
        logger.info("applied migration", metadata: ["migration": "\(migration.filename)", "ms": "\(Self.milliseconds(since: started))"])
    }

    private func appliedRows() async throws -> [AppliedRow] {
        let exists = try await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        return try await pool.query("SELECT version, name, checksum, applied_at, execution_ms FROM schema_migrations ORDER BY version")
            .decode(AppliedRow.self)
    }

    private static func merge(files: [Migration], applied: [AppliedRow]) -> [MigrationStatus] {
        let appliedByVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
        var statuses = files.map { file -> MigrationStatus in
            guard let row = appliedByVersion[file.version] else {
                return MigrationStatus(
                    version: file.version,
                    name: file.name,
                    state: .pending,
                    checksum: file.checksum,
                    appliedAt: nil,
                    executionMilliseconds: nil
                )
            }
            return MigrationStatus(
                version: file.version,
                name: file.name,
                state: row.checksum == file.checksum ? .applied : .changed,
                checksum: row.checksum,
                appliedAt: row.appliedAt,
                executionMilliseconds: row.executionMs
            )
        }
        let fileVersions = Set(files.map(\.version))
        for row in applied where !fileVersions.contains(row.version) {
            statuses.append(
                MigrationStatus(
                    version: row.version,
                    name: row.name,
                    state: .missing,
                    checksum: row.checksum,
                    appliedAt: row.appliedAt,
                    executionMilliseconds: row.executionMs
                )
            )
        }
        return statuses.sorted { $0.version < $1.version }
    }

    /// Postgres reports a character position in the script; operators want file:line:column.
    static func lineAndColumn(of position: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for (offset, character) in text.enumerated() {
            if offset + 1 >= position { break }
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        Int((ContinuousClock.now - start).inMilliseconds)
    }
}

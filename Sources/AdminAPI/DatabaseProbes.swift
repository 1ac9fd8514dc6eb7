public import Postgres

extension ReadinessProbe {
    /// The database answers `SELECT 1` through the pool.
    public static func database(_ pool: PostgresPool) -> ReadinessProbe {
        ReadinessProbe(name: "database") {
            _ = try await pool.query("SELECT 1")
            return nil
        }
    }

    /// Every migration file is applied unchanged.
    public static func migrations(_ migrator: Migrator) -> ReadinessProbe {
        ReadinessProbe(name: "migrations") {
            let status = try await migrator.status()
            let pending = status.filter { $0.state == .pending }.map(\.name)
            let changed = status.filter { $0.state == .changed }.map(\.name)
            if !changed.isEmpty { return "applied migrations were edited: \(changed.joined(separator: ", "))" }
            if !pending.isEmpty { return "pending migrations: \(pending.joined(separator: ", ")); run nomaly migrate" }
            return nil
        }
    }
}

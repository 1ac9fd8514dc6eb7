import ObjectStore
package import Postgres
package import Registry

extension ReadinessProbe {
    /// The database answers `SELECT 1` through the pool.
    package static func database(_ pool: PostgresPool) -> ReadinessProbe {
        ReadinessProbe(name: "database") {
            _ = try await pool.query("SELECT 1")
            return nil
        }
    }

    /// Every migration file is applied unchanged.
    package static func migrations(_ migrator: Migrator) -> ReadinessProbe {
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

extension ReadinessProbe {
    /// The artifact store answers: a HEAD of a key that need not exist (S3: a 404 is an answer; credentials,
    /// network or bucket problems are not).
    package static func artifactStore(_ artifacts: ArtifactStore) -> ReadinessProbe {
        ReadinessProbe(name: "artifact_store") {
            do {
                _ = try await artifacts.store.head(key: artifacts.prefix + ".nomaly-ready")
                return nil
            } catch {
                return "\(artifacts.store.locationDescription): \(error)"
            }
        }
    }
}

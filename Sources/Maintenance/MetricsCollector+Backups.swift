import Backup
import Foundation
package import Observability
package import Postgres
package import Prometheus

extension MetricsCollector {
    /// Backup freshness from the ``Backup/BackupCatalog``, per kind (`database`, `models`, `full`), for alerts such as
    /// "no verified backup in 26 h": `nomaly_backup_last_success_timestamp_seconds`,
    /// `nomaly_backup_last_verified_timestamp_seconds` (when the newest verified set was made: re-verifying an old
    /// set does not make backups fresh), `nomaly_backup_last_size_bytes`, and
    /// `nomaly_backup_failures_24h` (failed attempts in the last day). Kinds without a row are not exported.
    /// Also `nomaly_installed_timestamp_seconds`, when the schema was first migrated (``Postgres/Migrator/installedAt(_:)``):
    /// a "never backed up" alert counts from it, not from when some replica last started. A failed read leaves the
    /// previous values.
    package static func backups(_ pool: PostgresPool, registry: PrometheusCollectorRegistry) -> MetricsCollector {
        let catalog = BackupCatalog(pool: pool)
        return MetricsCollector(name: "backups") {
            // Registered on the first successful read: a 0 until then would read as installed in 1970.
            if let installed = try? await Migrator.installedAt(pool) {
                registry.gauge("nomaly_installed_timestamp_seconds", help: "When this installation's database schema was first migrated (Unix time).")
                    .set(installed.timeIntervalSince1970)
            }
            let kinds = try? await catalog.freshness()
            for row in kinds ?? [] {
                let labels = [("kind", row.kind)]
                if let value = row.lastSuccess?.timeIntervalSince1970 {
                    registry.gauge(
                        "nomaly_backup_last_success_timestamp_seconds",
                        labels: labels,
                        help: "When the newest successful backup of this kind finished (Unix time)."
                    ).set(value)
                }
                if let value = row.lastVerified?.timeIntervalSince1970 {
                    registry.gauge(
                        "nomaly_backup_last_verified_timestamp_seconds",
                        labels: labels,
                        help: "When the newest verified backup set of this kind was made (Unix time)."
                    ).set(value)
                }
                if let value = row.lastSize {
                    registry.gauge("nomaly_backup_last_size_bytes", labels: labels, help: "Size of the newest successful backup set.")
                        .set(Double(value))
                }
                registry.gauge("nomaly_backup_failures_24h", labels: labels, help: "Failed backup attempts in the last 24 hours.")
                    .set(Double(row.failuresLastDay))
            }
        }
    }
}

import Foundation
public import Postgres
public import Prometheus

extension MetricsCollector {
    /// Backup freshness from the `backups` table, per kind (`database`, `models`, `full`), for alerts such as
    /// "no verified backup in 26 h": `nomaly_backup_last_success_timestamp_seconds`,
    /// `nomaly_backup_last_verified_timestamp_seconds` (when the newest verified set was made: re-verifying an old
    /// set does not make backups fresh), `nomaly_backup_last_size_bytes`, and
    /// `nomaly_backup_failures_24h` (failed attempts in the last day). Kinds without a row are not exported.
    /// Also `nomaly_installed_timestamp_seconds`, when the schema was first migrated: a "never backed up" alert
    /// counts from it, not from when some replica last started. A failed read leaves the previous values.
    public static func backups(_ pool: PostgresPool, registry: PrometheusCollectorRegistry) -> MetricsCollector {
        struct Row: Decodable {
            let kind: String
            let lastSuccess: Double?
            let lastVerified: Double?
            let lastSize: Double?
            let failures: Double
        }
        return MetricsCollector(name: "backups") {
            // Registered on the first successful read: a 0 until then would read as installed in 1970.
            if let first = try? await pool.query("SELECT extract(epoch FROM min(applied_at))::float8 FROM schema_migrations").first,
                let value = try? first.decode(Double?.self)
            {
                registry.gauge("nomaly_installed_timestamp_seconds", help: "When this installation's database schema was first migrated (Unix time).")
                    .set(value)
            }
            let rows = try? await pool.query(
                """
                SELECT kind,
                    extract(epoch FROM max(finished_at) FILTER (WHERE status = 'succeeded'))::float8 AS last_success,
                    extract(epoch FROM max(finished_at) FILTER (WHERE status = 'succeeded' AND verified_at IS NOT NULL))::float8
                        AS last_verified,
                    (array_agg(size_bytes ORDER BY id DESC) FILTER (WHERE status = 'succeeded'))[1]::float8 AS last_size,
                    count(*) FILTER (WHERE status = 'failed' AND started_at > now() - interval '1 day')::float8 AS failures
                FROM backups GROUP BY kind
                """
            ).decode(Row.self)
            for row in rows ?? [] {
                let labels = [("kind", row.kind)]
                if let value = row.lastSuccess {
                    registry.gauge(
                        "nomaly_backup_last_success_timestamp_seconds",
                        labels: labels,
                        help: "When the newest successful backup of this kind finished (Unix time)."
                    ).set(value)
                }
                if let value = row.lastVerified {
                    registry.gauge(
                        "nomaly_backup_last_verified_timestamp_seconds",
                        labels: labels,
                        help: "When the newest verified backup set of this kind was made (Unix time)."
                    ).set(value)
                }
                if let value = row.lastSize {
                    registry.gauge("nomaly_backup_last_size_bytes", labels: labels, help: "Size of the newest successful backup set.")
                        .set(value)
                }
                registry.gauge("nomaly_backup_failures_24h", labels: labels, help: "Failed backup attempts in the last 24 hours.")
                    .set(row.failures)
            }
        }
    }
}

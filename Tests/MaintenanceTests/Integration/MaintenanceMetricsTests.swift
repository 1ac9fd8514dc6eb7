import Foundation
import Maintenance
import Observability
import Postgres
import Prometheus
import TestSupport
import Testing

/// The collectors that read other modules at scrape time: the database pool's statistics and the backup catalog.
/// Each test has a registry of its own.
@Suite("Metrics read from the database pool and the backup catalog (real Postgres)")
struct MaintenanceMetricsTests {
    @Test("the pool gauges show a lent-out connection as in use")
    func databasePoolGauges() async throws {
        try await ScratchDatabase.with { pool, _ in
            let registry = PrometheusCollectorRegistry()
            let collector = MetricsCollector.databasePool(pool, registry: registry)
            let text = try await pool.withConnection { _ in
                await collector.collect()
                return NomalyMetrics.exposition(of: registry)
            }
            #expect(sampleValue(#"nomaly_db_pool_connections{state="in_use"}"#, in: text) == 1)
            #expect(sampleValue(#"nomaly_db_pool_connections{state="idle"}"#, in: text) == 0)
            #expect(sampleValue("nomaly_db_pool_max_connections", in: text) == Double(pool.configuration.maximumConnections))
            #expect(sampleValue("nomaly_db_pool_wait_seconds_total", in: text) == 0)
            await collector.collect()
            let after = NomalyMetrics.exposition(of: registry)
            #expect(sampleValue(#"nomaly_db_pool_connections{state="in_use"}"#, in: after) == 0)
            #expect(sampleValue(#"nomaly_db_pool_connections{state="idle"}"#, in: after) == 1)
        }
    }

    @Test("backup freshness per kind comes from the backups table; the installation time from the first migration")
    func backupMetrics() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            try await pool.execute(
                """
                INSERT INTO backups (id, kind, status, location, size_bytes, started_at, finished_at, verified_at) VALUES
                    ('20300101_000000', 'models', 'succeeded', '/b/1', 1234, '2030-01-01T00:00:00Z', '2030-01-01T00:00:10Z', '2030-01-01T00:00:20Z'),
                    ('20300101_000100', 'models', 'failed', '/b/2', NULL, now(), now(), NULL)
                """
            )
            let registry = PrometheusCollectorRegistry()
            await MetricsCollector.backups(pool, registry: registry).collect()
            let text = NomalyMetrics.exposition(of: registry)
            #expect(sampleValue(#"nomaly_backup_last_success_timestamp_seconds{kind="models"}"#, in: text) == 1_893_456_010)
            // When the verified set was made, not when it was verified: re-verifying an old set does not freshen backups.
            #expect(sampleValue(#"nomaly_backup_last_verified_timestamp_seconds{kind="models"}"#, in: text) == 1_893_456_010)
            #expect(sampleValue(#"nomaly_backup_last_size_bytes{kind="models"}"#, in: text) == 1234)
            #expect(sampleValue(#"nomaly_backup_failures_24h{kind="models"}"#, in: text) == 1)
            #expect(sampleValue(#"nomaly_backup_failures_24h{kind="database"}"#, in: text) == nil, "kinds without a row are not exported")
            let installed = sampleValue("nomaly_installed_timestamp_seconds", in: text)
            #expect(installed.map { abs($0 - Date().timeIntervalSince1970) < 3_600 } == true, "\(String(describing: installed))")
        }
    }

    @Test("before the schema exists nothing is exported, not a 1970 installation")
    func noSchemaYet() async throws {
        try await ScratchDatabase.with { pool, _ in
            let registry = PrometheusCollectorRegistry()
            await MetricsCollector.backups(pool, registry: registry).collect()
            let text = NomalyMetrics.exposition(of: registry)
            #expect(sampleValue("nomaly_installed_timestamp_seconds", in: text) == nil)
            #expect(!text.contains("nomaly_backup_"))
        }
    }
}

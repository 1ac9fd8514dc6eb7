import AdminAPI
import Foundation
import Observability
import Postgres
import Registry
import TestSupport
import Testing

/// The collectors that read jobs, models and readiness at scrape time. Label values are unique to this file because
/// the registry is process-wide.
@Suite("Metrics read from shared state: jobs, models, readiness")
struct StateMetricsTests {
    @Test("job state comes from the database: last success, last outcome, interval, paused, creation and backlog")
    func jobMetrics() async throws {
        try await withTestAPI { harness in
            try await harness.pool.execute(
                """
                INSERT INTO jobs (name, kind, schedule, spec_hash, paused, created_at) VALUES
                    ('metrics-ok', 'command', '0 2 * * *', 'h', false, '2029-12-01T00:00:00Z'),
                    ('metrics-broken', 'command', '*/15 * * * *', 'h', true, '2029-12-01T00:00:00Z'),
                    ('metrics-never', 'command', '@hourly', 'h', false, '2029-12-02T00:00:00Z')
                """
            )
            try await harness.pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, trigger, status, started_at, finished_at) VALUES
                    ('metrics-ok', '2030-01-01T02:00:00Z', 'schedule', 'failed', '2030-01-01T02:00:00Z', '2030-01-01T02:00:03Z'),
                    ('metrics-ok', '2030-01-02T02:00:00Z', 'schedule', 'succeeded', '2030-01-02T02:00:00Z', '2030-01-02T02:00:05Z'),
                    ('metrics-broken', '2030-01-01T00:00:00Z', 'schedule', 'succeeded', '2030-01-01T00:00:00Z', '2030-01-01T00:00:10Z'),
                    ('metrics-broken', '2030-01-01T00:15:00Z', 'schedule', 'timed_out', '2030-01-01T00:15:00Z', '2030-01-01T00:16:00Z'),
                    ('metrics-never', '2030-01-01T00:00:00Z', 'schedule', 'queued', NULL, NULL),
                    ('metrics-never', '2030-01-01T01:00:00Z', 'schedule', 'queued', NULL, NULL)
                """
            )
            let endpoint = MetricsEndpoint.standard(pool: harness.pool)
            await endpoint.collect()
            let text = endpoint.exposition
            func value(_ name: String, _ job: String) -> Double? { MetricsTests.value(#"\#(name){job="\#(job)"}"#, in: text) }

            #expect(value("nomaly_job_last_success_timestamp_seconds", "metrics-ok") == 1_893_549_605)
            #expect(value("nomaly_job_last_success_timestamp_seconds", "metrics-broken") == 1_893_456_010)
            #expect(value("nomaly_job_last_success_timestamp_seconds", "metrics-never") == nil)
            #expect(value("nomaly_job_last_run_failed", "metrics-ok") == 0)
            #expect(value("nomaly_job_last_run_failed", "metrics-broken") == 1)
            #expect(value("nomaly_job_last_run_failed", "metrics-never") == 0)
            #expect(value("nomaly_job_interval_seconds", "metrics-ok") == 86_400)
            #expect(value("nomaly_job_interval_seconds", "metrics-broken") == 900)
            #expect(value("nomaly_job_interval_seconds", "metrics-never") == 3_600)
            #expect(value("nomaly_job_paused", "metrics-broken") == 1)
            #expect(value("nomaly_job_paused", "metrics-ok") == 0)
            #expect(value("nomaly_job_created_timestamp_seconds", "metrics-never") == 1_890_864_000)
            #expect(value("nomaly_job_queued_runs", "metrics-never") == 2)
            // The API's own job holds ad-hoc runs and fires on no schedule.
            #expect(value("nomaly_job_interval_seconds", "api.scoring") == nil)
            #expect(value("nomaly_job_last_run_failed", "api.scoring") == 0)

            let parsed = try await PrometheusClientParser.parse(text)
            #expect(parsed.exitCode == 0, "prometheus_client rejected /metrics: \(parsed.output)")
        }
    }

    @Test("each readiness probe is a 1/0 gauge; a probe that does not answer in time counts as failing")
    func readinessMetrics() async throws {
        let probes = [
            ReadinessProbe(name: "metrics-passing") { nil },
            ReadinessProbe(name: "metrics-failing") { "the thing is down" },
            ReadinessProbe(name: "metrics-throwing") { throw CancellationError() },
            ReadinessProbe(name: "metrics-stuck") {
                try await Task.sleep(for: .seconds(60))
                return nil
            },
        ]
        let registry = NomalyMetrics.bootstrap()
        let endpoint = MetricsEndpoint(registry: registry, collectors: [.readiness(probes, metrics: registry, timeout: .milliseconds(200))])
        await endpoint.collect()
        let text = endpoint.exposition
        #expect(MetricsTests.value(#"nomaly_ready_check{check="metrics-passing"}"#, in: text) == 1)
        #expect(MetricsTests.value(#"nomaly_ready_check{check="metrics-failing"}"#, in: text) == 0)
        #expect(MetricsTests.value(#"nomaly_ready_check{check="metrics-throwing"}"#, in: text) == 0)
        #expect(MetricsTests.value(#"nomaly_ready_check{check="metrics-stuck"}"#, in: text) == 0)
    }

    @Test("with a real database probe, a stopped database reads 0 and a live one 1")
    func databaseReadiness() async throws {
        try await ScratchDatabase.with { pool, _ in
            let registry = NomalyMetrics.bootstrap()
            let endpoint = MetricsEndpoint(registry: registry, collectors: [.readiness([.database(pool)], metrics: registry)])
            await endpoint.collect()
            #expect(MetricsTests.value(#"nomaly_ready_check{check="database"}"#, in: endpoint.exposition) == 1)
        }
        let unreachable = PostgresPool(
            configuration: .init(connectionString: "postgresql://nomaly@127.0.0.1:1/nomaly?connect_timeout=1"),
            logger: TestEnvironment.logger
        )
        let registry = NomalyMetrics.bootstrap()
        let endpoint = MetricsEndpoint(registry: registry, collectors: [.readiness([.database(unreachable)], metrics: registry)])
        await endpoint.collect()
        #expect(MetricsTests.value(#"nomaly_ready_check{check="database"}"#, in: endpoint.exposition) == 0)
        await unreachable.close()
    }
}

import AdminAPI
import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Observability
import Postgres
import Prometheus
import Registry
import Scheduler
import Synchronization
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
            // The API's own job holds callers' ad-hoc runs: their failures are the callers', and it has no schedule.
            #expect(value("nomaly_job_interval_seconds", "api.scoring") == nil)
            #expect(value("nomaly_job_last_run_failed", "api.scoring") == nil)
            #expect(value("nomaly_job_queued_runs", "api.scoring") == 0)

            let parsed = try await PrometheusClientParser.parse(text)
            #expect(parsed.exitCode == 0, "prometheus_client rejected /metrics: \(parsed.output)")

            // A job whose file is gone stops reporting instead of repeating its last values.
            try await harness.pool.execute("UPDATE jobs SET removed_at = now() WHERE name = 'metrics-broken'")
            await endpoint.collect()
            let after = endpoint.exposition
            #expect(MetricsTests.value(#"nomaly_job_last_run_failed{job="metrics-broken"}"#, in: after) == nil)
            #expect(MetricsTests.value(#"nomaly_job_interval_seconds{job="metrics-broken"}"#, in: after) == nil)
            #expect(MetricsTests.value(#"nomaly_job_last_run_failed{job="metrics-ok"}"#, in: after) == 0)
        }
    }

    @Test(
        "a failure being retried is pending, not failed; a queued next slot is no retry; the success window starts at the later of success and resume"
    )
    func retryAndWindow() async throws {
        try await withTestAPI { harness in
            try await harness.pool.execute(
                """
                INSERT INTO jobs (name, kind, schedule, spec_hash, created_at, active_since) VALUES
                    ('metrics-retrying', 'command', '*/5 * * * * *', 'h', '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z'),
                    ('metrics-next-slot', 'command', '*/5 * * * * *', 'h', '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z'),
                    ('metrics-resumed', 'command', '@hourly', 'h', '2030-01-01T00:00:00Z', '2030-02-01T00:00:00Z')
                """
            )
            try await harness.pool.execute(
                """
                INSERT INTO job_runs (job_name, scheduled_at, attempt, trigger, status, started_at, finished_at) VALUES
                    ('metrics-retrying', '2030-01-01T00:00:05Z', 1, 'schedule', 'failed', '2030-01-01T00:00:05Z', '2030-01-01T00:00:06Z'),
                    ('metrics-retrying', '2030-01-01T00:00:05Z', 2, 'retry', 'queued', NULL, NULL),
                    ('metrics-next-slot', '2030-01-01T00:00:05Z', 1, 'schedule', 'failed', '2030-01-01T00:00:05Z', '2030-01-01T00:00:06Z'),
                    ('metrics-next-slot', '2030-01-01T00:00:10Z', 1, 'schedule', 'queued', NULL, NULL),
                    ('metrics-resumed', '2030-01-01T01:00:00Z', 1, 'schedule', 'succeeded', '2030-01-01T01:00:00Z', '2030-01-01T01:00:01Z')
                """
            )
            let endpoint = MetricsEndpoint.standard(pool: harness.pool)
            await endpoint.collect()
            func value(_ name: String, _ job: String) -> Double? {
                MetricsTests.value(#"\#(name){job="\#(job)"}"#, in: endpoint.exposition)
            }
            #expect(value("nomaly_job_last_run_failed", "metrics-retrying") == 0, "its only slot is still being retried")
            #expect(value("nomaly_job_retry_pending", "metrics-retrying") == 1)
            #expect(value("nomaly_job_last_run_failed", "metrics-next-slot") == 1)
            #expect(value("nomaly_job_retry_pending", "metrics-next-slot") == 0, "a planned slot is not a retry")
            #expect(value("nomaly_job_queued_runs", "metrics-next-slot") == 1)
            #expect(value("nomaly_job_retry_pending", "api.scoring") == nil)
            // Resumed a month after its last success: the wait starts at the resume.
            #expect(value("nomaly_job_last_success_timestamp_seconds", "metrics-resumed") == 1_893_459_601)
            #expect(value("nomaly_job_success_window_start_timestamp_seconds", "metrics-resumed") == 1_896_134_400)
            #expect(value("nomaly_job_success_window_start_timestamp_seconds", "metrics-retrying") == 1_893_456_000)
        }
    }

    @Test("job series survive a failed read or two, and are dropped after three in a row")
    func staleJobSeries() async throws {
        try await ScratchDatabase.withSchema { pool, scratch in
            try await pool.execute(
                "INSERT INTO jobs (name, kind, schedule, spec_hash, paused) VALUES ('stale-paused', 'command', '@daily', 'h', true)"
            )
            let reader = PostgresPool(
                configuration: .init(connectionString: scratch.connectionString, maximumConnections: 1),
                logger: TestEnvironment.logger
            )
            let registry = PrometheusCollectorRegistry()
            let jobs = MetricsCollector.jobs(RunStore(pool: reader), metrics: registry)
            let series = #"nomaly_job_paused{job="stale-paused"}"#
            await jobs.collect()
            #expect(MetricsTests.value(series, in: NomalyMetrics.exposition(of: registry)) == 1)

            // This replica can no longer read: its stale "paused" must not silence the fleet's alerts for long.
            await reader.close()
            for failed in 1...GaugeSnapshot.staleAfterFailedReads {
                await jobs.collect()
                let value = MetricsTests.value(series, in: NomalyMetrics.exposition(of: registry))
                #expect(
                    (value == nil) == (failed == GaugeSnapshot.staleAfterFailedReads),
                    "after \(failed) failed reads: \(String(describing: value))"
                )
            }

        }
    }

    @Test("a removed alias stops reporting its version and training rate")
    func removedAlias() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel(name: "metrics-alias")
            let endpoint = MetricsEndpoint.standard(pool: harness.pool, registry: harness.registry)
            await endpoint.collect()
            let series = #"nomaly_model_training_anomaly_rate{model="metrics-alias",alias="production"}"#
            #expect(MetricsTests.value(series, in: endpoint.exposition) != nil)
            _ = try await harness.registry.removeAlias(model: "metrics-alias", alias: "production", actor: "test")
            await endpoint.collect()
            #expect(MetricsTests.value(series, in: endpoint.exposition) == nil)
            #expect(MetricsTests.value(#"nomaly_model_alias_version{model="metrics-alias",alias="production"}"#, in: endpoint.exposition) == nil)
            #expect(MetricsTests.value(#"nomaly_model_versions{model="metrics-alias"}"#, in: endpoint.exposition) == 1)
        }
    }

    @Test("a probe stuck in work that ignores cancellation is reported failing without waiting for it")
    func stuckProbeIsNotAwaited() async throws {
        let finished = Flag()
        let probes = [
            ReadinessProbe(name: "metrics-uncancellable") {
                // Like a libpq call on a dead network: cancellation does not reach it.
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 60) { continuation.resume() }
                }
                finished.set()
                return nil
            }
        ]
        let registry = NomalyMetrics.bootstrap()
        let endpoint = MetricsEndpoint(registry: registry, collectors: [.readiness(probes, metrics: registry, timeout: .milliseconds(100))])
        await endpoint.collect()
        #expect(MetricsTests.value(#"nomaly_ready_check{check="metrics-uncancellable"}"#, in: endpoint.exposition) == 0)
        #expect(!finished.isSet, "the collection waited for the stuck probe to finish")
    }

    @Test("a scrape answers after the collection timeout, and scrapes during a collection share it")
    func collectionDeadlineAndSingleFlight() async throws {
        let finished = Flag()
        let runs = Counter()
        let slow = MetricsCollector(name: "metrics-slow") {
            runs.increment()
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 60) { continuation.resume() }
            }
            finished.set()
        }
        let endpoint = MetricsEndpoint(registry: NomalyMetrics.bootstrap(), collectors: [slow], collectionTimeout: .milliseconds(100))
        let answered = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    _ = await endpoint.response()
                    return 1
                }
            }
            return await group.reduce(0, +)
        }
        #expect(answered == 3)
        #expect(!finished.isSet, "the scrape waited for the slow collector")
        #expect(runs.value == 1, "\(runs.value) collections ran at once")
    }

    @Test("a scrape answers within the timeout Prometheus sends, when it is shorter than the collection timeout", .timeLimit(.minutes(1)))
    func prometheusScrapeTimeout() async throws {
        let finished = Flag()
        let slow = MetricsCollector(name: "metrics-slower") {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 60) { continuation.resume() }
            }
            finished.set()
        }
        // Without the header this scrape would wait out the hour-long collection timeout (and the test's limit).
        let endpoint = MetricsEndpoint(registry: NomalyMetrics.bootstrap(), collectors: [slow], collectionTimeout: .seconds(3_600))
        _ = await endpoint.response(scrapeTimeout: .seconds(1))
        #expect(!finished.isSet, "the scrape waited for the slow collector")

        func timeout(_ value: String) -> Duration? {
            MetricsEndpoint.scrapeTimeout(
                of: Request(
                    head: .init(
                        method: .get,
                        scheme: "http",
                        authority: "x",
                        path: "/metrics",
                        headerFields: [HTTPField.Name("X-Prometheus-Scrape-Timeout-Seconds")!: value]
                    ),
                    body: .init(buffer: .init())
                )
            )
        }
        #expect(timeout("2") == .seconds(2))
        #expect(timeout("0.5") == .milliseconds(500))
        for bad in ["0", "-1", "nan", "inf", "ten", ""] { #expect(timeout(bad) == nil, "\(bad)") }
    }

    @Test("each readiness probe is a 1/0 gauge; a probe that does not answer in time counts as failing")
    func readinessMetrics() async throws {
        let probes = [
            ReadinessProbe(name: "metrics-passing") { nil },
            ReadinessProbe(name: "metrics-failing") { "the thing is down" },
            ReadinessProbe(name: "metrics-throwing") { throw CancellationError() },
            ReadinessProbe(name: "metrics-stuck") {
                // The subject: a probe that does not answer within the 200 ms timeout.
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

/// Counts from any task.
final class Counter: Sendable {
    private let state = Mutex(0)
    func increment() { state.withLock { $0 += 1 } }
    var value: Int { state.withLock { $0 } }
}

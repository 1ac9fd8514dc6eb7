import CoreMetrics
import Metrics
package import Prometheus
import Synchronization

/// The process's one Prometheus registry, and the swift-metrics backend that writes into it.
///
/// `MetricsSystem.bootstrap` traps when called twice, so every caller (`nomaly serve`, each test) goes through
/// ``bootstrap()``, which installs the backend once and hands every later caller the same registry.
///
/// ```swift
/// let registry = NomalyMetrics.bootstrap()
/// let app = AdminServer.application(...).withMetrics(MetricsEndpoint(registry: registry, collectors: [.process(registry: registry)]))
/// ```
package enum NomalyMetrics {
    private static let installed = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Buckets for request latencies, 5 ms to 10 s.
    package static let httpDurationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Buckets for job runs, which take seconds to hours: 1 s to 6 h.
    package static let jobDurationBuckets: [Duration] = [
        .seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(1800),
        .seconds(3600), .seconds(7200), .seconds(21_600),
    ]

    /// Buckets for how late a job started after its slot: 100 ms to 10 min.
    package static let firingLagBuckets: [Duration] = [
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(30),
        .seconds(60), .seconds(120), .seconds(300), .seconds(600),
    ]

    /// Installs the Prometheus backend for swift-metrics (once per process) and returns its registry.
    ///
    /// Safe to call any number of times from any thread: the first call bootstraps `MetricsSystem`, later calls
    /// return the same registry. Do not call `MetricsSystem.bootstrap` anywhere else.
    package static func bootstrap() -> PrometheusCollectorRegistry {
        installed.withLock { installed in
            if let installed { return installed }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = httpDurationBuckets
            // The scheduler's timers (Sources/Scheduler/SchedulerMetrics.swift) measure much longer spans.
            factory.durationHistogramBuckets = [
                "nomaly_job_run_duration_seconds": jobDurationBuckets,
                "nomaly_job_firing_lag_seconds": firingLagBuckets,
            ]
            MetricsSystem.bootstrap(factory)
            installed = registry
            return registry
        }
    }

    /// The registry in the Prometheus text exposition format (version 0.0.4), as `/metrics` answers it.
    package static func exposition(of registry: PrometheusCollectorRegistry) -> String {
        registry.emitToString()
    }
}

import Foundation
import Metrics

/// The scheduler's metrics, through swift-metrics: whatever backend the process bootstraps (Prometheus in
/// `nomaly serve`) exports them; without one they cost nothing. Per-job state that must agree across replicas (last
/// success, last outcome) is read from the database at scrape time instead (AdminAPI's `MetricsCollector.jobs`).
struct SchedulerMetrics: Sendable {
    func started(job: String, lag: TimeInterval) {
        Timer(label: "nomaly_job_firing_lag_seconds").recordNanoseconds(Int64(max(0, lag) * 1e9))
    }

    func finished(job: String, status: RunStatus, duration: TimeInterval?) {
        Counter(label: "nomaly_job_runs_total", dimensions: [("job", job), ("status", status.rawValue)]).increment()
        if let duration {
            Timer(label: "nomaly_job_run_duration_seconds", dimensions: [("job", job)]).recordNanoseconds(Int64(max(0, duration) * 1e9))
        }
    }

    func running(_ count: Int) {
        Gauge(label: "nomaly_scheduler_running_runs").record(count)
    }

    func lost(job: String) {
        Counter(label: "nomaly_job_runs_total", dimensions: [("job", job), ("status", RunStatus.lost.rawValue)]).increment()
    }
}

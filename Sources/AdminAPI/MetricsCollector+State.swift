import Cron
import Foundation
public import Observability
public import Prometheus
public import Registry
public import Scheduler

/// Collectors that read shared state from the database at scrape time. Every replica reports the same values, so
/// alert rules and dashboards aggregate them with `max by (…)`; a replica that never ran a job still reports it.
/// A failed read leaves the previous values: `nomaly_ready_check` and `/ready` are where an outage shows.
extension MetricsCollector {
    /// Per job, for "the last run failed" and "no success for twice its interval" alerts:
    /// `nomaly_job_last_success_timestamp_seconds`, `nomaly_job_last_run_failed` (1 when the newest finished run
    /// failed, timed out or was lost), `nomaly_job_interval_seconds` (the shortest gap between its next fires),
    /// `nomaly_job_paused` (paused or disabled), `nomaly_job_created_timestamp_seconds` (for jobs that never
    /// succeeded) and `nomaly_job_queued_runs`. Removed jobs are not listed; `api.scoring` has no interval.
    public static func jobs(_ runs: RunStore, metrics registry: PrometheusCollectorRegistry) -> MetricsCollector {
        MetricsCollector(name: "jobs") {
            guard let jobs = try? await runs.jobSummaries() else { return }
            let now = Date()
            for job in jobs {
                let labels = [("job", job.name)]
                func gauge(_ name: String, _ help: String) -> Gauge { registry.makeGauge(name: name, labels: labels, help: help) }
                if let success = job.lastSuccessAt {
                    gauge("nomaly_job_last_success_timestamp_seconds", "When the job's newest successful run finished (Unix time).")
                        .set(success.timeIntervalSince1970)
                }
                let failed = job.lastStatus.map { [.failed, .timedOut, .lost].contains($0) } ?? false
                gauge("nomaly_job_last_run_failed", "1 when the job's newest finished run failed, timed out or was lost.")
                    .set(failed ? 1.0 : 0.0)
                gauge("nomaly_job_paused", "1 when the job is paused or disabled, so it is not expected to run.")
                    .set(job.paused || !job.enabled ? 1.0 : 0.0)
                gauge("nomaly_job_created_timestamp_seconds", "When the job first appeared (Unix time).").set(job.createdAt.timeIntervalSince1970)
                gauge("nomaly_job_queued_runs", "Runs of the job waiting for a worker.").set(Double(job.queued))
                if job.origin == .file, let interval = Self.interval(of: job, at: now) {
                    gauge("nomaly_job_interval_seconds", "The shortest gap between the job's next fire times.").set(interval)
                }
            }
        }
    }

    static func interval(of job: JobSummary, at date: Date) -> TimeInterval? {
        guard let schedule = try? CronSchedule(parsing: job.schedule), let zone = TimeZone(identifier: job.timezone) else { return nil }
        return schedule.typicalInterval(in: zone, from: date)
    }

    /// `nomaly_model_versions{model}` (live versions), `nomaly_model_alias_version{model,alias}` (the version an
    /// alias points at, so a dashboard shows promotions and rollbacks as steps) and
    /// `nomaly_model_training_anomaly_rate{model,alias}` (the share of training rows that version flagged, the
    /// baseline an anomaly-rate drift alert compares scoring against).
    public static func modelRegistry(_ modelRegistry: ModelRegistry, metrics registry: PrometheusCollectorRegistry) -> MetricsCollector {
        MetricsCollector(name: "model_registry") {
            guard let models = try? await modelRegistry.models() else { return }
            for model in models {
                registry.makeGauge(name: "nomaly_model_versions", labels: [("model", model.name)], help: "Live (not deleted) versions of a model.")
                    .set(Double(model.versionCount))
                for (alias, version) in model.aliases {
                    let labels = [("model", model.name), ("alias", alias)]
                    registry.makeGauge(name: "nomaly_model_alias_version", labels: labels, help: "The version a model's alias points at.")
                        .set(Double(version))
                    guard let details = try? await modelRegistry.version(model: model.name, version: version),
                        case .object(let metrics) = details.metrics, case .number(let rate)? = metrics["anomaly_rate"]
                    else { continue }
                    registry.makeGauge(
                        name: "nomaly_model_training_anomaly_rate",
                        labels: labels,
                        help: "Share of training rows flagged by the version the alias points at."
                    ).set(rate)
                }
            }
        }
    }

    /// `nomaly_ready_check{check}`: 1 when the `/ready` probe passes, 0 when it fails or does not answer in time,
    /// so "the database is unreachable" is an alert on what Nomaly itself sees.
    public static func readiness(
        _ probes: [ReadinessProbe],
        metrics registry: PrometheusCollectorRegistry,
        timeout: Duration = .seconds(3)
    )
        -> MetricsCollector
    {
        MetricsCollector(name: "readiness") {
            for outcome in await runProbes(probes, timeout: timeout) {
                registry.makeGauge(name: "nomaly_ready_check", labels: [("check", outcome.name)], help: "1 when the readiness check passes.")
                    .set(outcome.ok ? 1.0 : 0.0)
            }
        }
    }
}

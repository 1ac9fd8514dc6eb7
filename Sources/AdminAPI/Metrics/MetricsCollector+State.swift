import Cron
import Foundation
package import Observability
package import Prometheus
package import Registry
package import Scheduler

/// Collectors that read shared state from the database at scrape time. Every replica reports the same values, so
/// alert rules and dashboards aggregate them with `max by (…)`; a replica that never ran a job still reports it.
/// A failed read leaves the previous values for a while (``GaugeSnapshot/readFailed()``; `nomaly_ready_check` and
/// `/ready` are where an outage shows); a successful one drops the series of jobs, models and aliases that are gone.
extension MetricsCollector {
    /// Per job, for the "job failing" and "no success for twice its interval" alerts:
    /// - `nomaly_job_last_run_failed`: 1 when the newest run that ran (skipped slots aside) failed, timed out or was
    ///   lost;
    /// - `nomaly_job_retry_pending`: 1 while a retry of that failed run is queued or running. Not the same as
    ///   queued runs: the next slot of a job that fires every few seconds is nearly always queued;
    /// - `nomaly_job_success_window_start_timestamp_seconds`: the newest success, or when the job was created,
    ///   resumed, re-enabled or given a new schedule if that is later;
    /// - `nomaly_job_last_success_timestamp_seconds`, `nomaly_job_created_timestamp_seconds`,
    ///   `nomaly_job_interval_seconds` (the longest gap between its fires over the next five weeks),
    ///   `nomaly_job_paused` (paused or disabled) and `nomaly_job_queued_runs`.
    ///
    /// Removed jobs are not listed. `api.scoring` reports only its backlog and successes: its runs are callers'
    /// requests, whose failures are theirs, and it has no schedule.
    package static func jobs(_ runs: RunStore, metrics registry: PrometheusCollectorRegistry) -> MetricsCollector {
        let snapshot = GaugeSnapshot(registry: registry)
        return MetricsCollector(name: "jobs") {
            guard let jobs = try? await runs.jobSummaries() else { return snapshot.readFailed() }
            let now = Date()
            var samples: [GaugeSnapshot.Sample] = []
            for job in jobs {
                func add(_ name: String, _ help: String, _ value: Double) {
                    samples.append(.init(name: name, labels: [("job", job.name)], help: help, value: value))
                }
                if let success = job.lastSuccessAt {
                    add(
                        "nomaly_job_last_success_timestamp_seconds",
                        "When the job's newest successful run finished (Unix time).",
                        success.timeIntervalSince1970
                    )
                }
                add("nomaly_job_queued_runs", "Runs of the job waiting for a worker.", Double(job.queued))
                guard job.origin == .file else { continue }
                add(
                    "nomaly_job_last_run_failed",
                    "1 when the job's newest run that ran (skipped slots aside) failed, timed out or was lost.",
                    job.lastRunFailed ? 1 : 0
                )
                add("nomaly_job_retry_pending", "1 while a retry of the job's failed run is queued or running.", job.retryPending ? 1 : 0)
                add("nomaly_job_paused", "1 when the job is paused or disabled, so it is not expected to run.", job.paused || !job.enabled ? 1 : 0)
                add("nomaly_job_created_timestamp_seconds", "When the job first appeared (Unix time).", job.createdAt.timeIntervalSince1970)
                add(
                    "nomaly_job_success_window_start_timestamp_seconds",
                    "The job's newest success, or when it was created, resumed, re-enabled or given a new schedule if later (Unix time).",
                    job.successWindowStart.timeIntervalSince1970
                )
                if let interval = Self.interval(of: job, at: now) {
                    add("nomaly_job_interval_seconds", "The longest gap between the job's fires over the next five weeks.", interval)
                }
            }
            snapshot.publish(samples)
        }
    }

    static func interval(of job: JobSummary, at date: Date) -> TimeInterval? {
        guard let schedule = try? CronSchedule(parsing: job.schedule), let zone = TimeZone(identifier: job.timezone) else { return nil }
        return schedule.longestInterval(in: zone, from: date)
    }

    /// `nomaly_model_versions{model}` (live versions), `nomaly_model_alias_version{model,alias}` (the version an
    /// alias points at, so a dashboard shows promotions and rollbacks as steps) and
    /// `nomaly_model_training_anomaly_rate{model,alias}` (the share of training rows that version flagged, the
    /// baseline an anomaly-rate drift alert compares scoring against). Two queries per scrape, whatever the models.
    package static func modelRegistry(_ modelRegistry: ModelRegistry, metrics registry: PrometheusCollectorRegistry) -> MetricsCollector {
        let snapshot = GaugeSnapshot(registry: registry)
        return MetricsCollector(name: "model_registry") {
            guard let models = try? await modelRegistry.models(), let aliases = try? await modelRegistry.aliasBaselines() else {
                return snapshot.readFailed()
            }
            var samples = models.map {
                GaugeSnapshot.Sample(
                    name: "nomaly_model_versions",
                    labels: [("model", $0.name)],
                    help: "Live (not deleted) versions of a model.",
                    value: Double($0.versionCount)
                )
            }
            for alias in aliases {
                let labels = [("model", alias.model), ("alias", alias.alias)]
                samples.append(
                    .init(
                        name: "nomaly_model_alias_version",
                        labels: labels,
                        help: "The version a model's alias points at.",
                        value: Double(alias.version)
                    )
                )
                if let rate = alias.trainingAnomalyRate {
                    samples.append(
                        .init(
                            name: "nomaly_model_training_anomaly_rate",
                            labels: labels,
                            help: "Share of training rows flagged by the version the alias points at.",
                            value: rate
                        )
                    )
                }
            }
            snapshot.publish(samples)
        }
    }

    /// `nomaly_ready_check{check}`: 1 when the `/ready` probe passes, 0 when it fails or does not answer in time,
    /// so "the database is unreachable" is an alert on what Nomaly itself sees.
    package static func readiness(
        _ probes: [ReadinessProbe],
        metrics registry: PrometheusCollectorRegistry,
        timeout: Duration = .seconds(3)
    )
        -> MetricsCollector
    {
        MetricsCollector(name: "readiness") {
            for outcome in await runProbes(probes, timeout: timeout) {
                registry.gauge("nomaly_ready_check", labels: [("check", outcome.name)], help: "1 when the readiness check passes.")
                    .set(outcome.ok ? 1.0 : 0.0)
            }
        }
    }
}

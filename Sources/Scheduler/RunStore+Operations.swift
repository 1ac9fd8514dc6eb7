package import Foundation
import Postgres

/// An operator's request that cannot be carried out, with the reason.
package struct SchedulerError: Error, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }
        package static let unknownJob = Code(name: "unknown_job")
        package static let unknownRun = Code(name: "unknown_run")
        package static let notCancellable = Code(name: "not_cancellable")
        package static let reservedJobName = Code(name: "reserved_job_name")
        package static let notTriggerable = Code(name: "not_triggerable")
    }

    package let code: Code
    package let message: String
    package var description: String { message }
}

/// A job with the state operators ask about.
package struct JobSummary: Sendable, Codable {
    package let name: String
    package let kind: String
    package let schedule: String
    package let timezone: String
    package let paused: Bool
    package let enabled: Bool
    package let lastStatus: RunStatus?
    package let lastScheduledAt: Date?
    package let lastFinishedAt: Date?
    package let lastSuccessAt: Date?
    package let running: Int
    package let queued: Int
    package let origin: JobOrigin
    /// When the job first appeared.
    package let createdAt: Date
    /// When the job last became expected to run: created, resumed, re-enabled or re-added.
    package let activeSince: Date
    /// The newest run that started and will not be retried failed, timed out or was lost, after the job was last
    /// resumed, re-enabled or given a new schedule: the job has given up on a slot. What the JobFailing alert reads.
    package let lastRunFailed: Bool
    /// A retry of the newest run that started is queued (waiting out its backoff) or running.
    package let retryPending: Bool

    /// Where the wait for the next success starts: the newest success, or when the job became active if that is
    /// later (a job resumed after a week has not missed anything yet).
    package var successWindowStart: Date { max(lastSuccessAt ?? activeSince, activeSince) }
}

extension RunStore {
    /// Notified whenever a run is queued or cancelled by hand, so idle dispatchers wake at once.
    package static let notificationChannel = "nomaly_runs"
    /// The payload on ``notificationChannel`` when a running run is asked to stop: every replica heartbeats at once,
    /// and the one that holds the run stops it.
    package static let cancelNotification = "cancel"

    /// Every job known to the database (removed ones excluded) with its last run, by name; with `name`, that job only.
    package func jobSummaries(named name: String? = nil) async throws -> [JobSummary] {
        // `ran` is the newest run that started (a skipped slot or a run cancelled before it started says nothing
        // about whether the job works); `settled` the newest that started and will not be retried, so a retry of
        // `ran` is pending exactly when the two differ. The job's failure is the settled run's: a job whose retries
        // fill its interval always has some slot retrying, and a failure from before the job was last made active
        // is one the operator has seen.
        try await pool.query(
            """
            SELECT j.name, j.kind, j.schedule, j.timezone, j.paused, j.enabled, j.origin, j.created_at, j.active_since,
                   last.status AS last_status, last.scheduled_at AS last_scheduled_at, last.finished_at AS last_finished_at,
                   (SELECT max(finished_at) FROM job_runs s WHERE s.job_name = j.name AND s.status = 'succeeded') AS last_success_at,
                   (SELECT count(*) FROM job_runs s WHERE s.job_name = j.name AND s.status = 'running') AS running,
                   (SELECT count(*) FROM job_runs s WHERE s.job_name = j.name AND s.status = 'queued') AS queued,
                   coalesce(settled.status IN ('failed', 'timed_out', 'lost') AND settled.finished_at >= j.active_since, false)
                       AS last_run_failed,
                   ran.id IS NOT NULL AND ran.id IS DISTINCT FROM settled.id AS retry_pending
            FROM jobs j
            LEFT JOIN LATERAL (
                SELECT status, scheduled_at, finished_at FROM job_runs r
                WHERE r.job_name = j.name AND r.status NOT IN ('queued', 'running')
                ORDER BY r.finished_at DESC NULLS LAST, r.id DESC LIMIT 1
            ) last ON true
            LEFT JOIN LATERAL (
                SELECT id FROM job_runs r WHERE r.job_name = j.name AND \(Self.ran("r"))
                ORDER BY r.finished_at DESC NULLS LAST, r.id DESC LIMIT 1
            ) ran ON true
            LEFT JOIN LATERAL (
                SELECT id, status, finished_at FROM job_runs r WHERE r.job_name = j.name AND \(Self.settled("r"))
                ORDER BY r.finished_at DESC NULLS LAST, r.id DESC LIMIT 1
            ) settled ON true
            WHERE j.removed_at IS NULL AND ($1::text IS NULL OR j.name = $1)
            ORDER BY j.name
            """,
            [name]
        ).decode(JobSummary.self)
    }

    /// SQL true for a run that started and ended (the run aliased `run`).
    static func ran(_ run: String) -> String {
        "\(run).started_at IS NOT NULL AND \(run).status NOT IN ('queued', 'running')"
    }

    /// SQL true for a run that started, ended and will not be retried: no next attempt of its slot is queued or running.
    static func settled(_ run: String) -> String {
        """
        \(ran(run)) AND NOT EXISTS (
            SELECT 1 FROM job_runs retry WHERE retry.job_name = \(run).job_name AND retry.scheduled_at = \(run).scheduled_at
                AND retry.attempt = \(run).attempt + 1 AND retry.status IN ('queued', 'running'))
        """
    }

    /// The runs the job alerts read, which no retention deletes: each job's newest success and newest settled run.
    static let runsKeptForAlerts = """
        (SELECT DISTINCT ON (job_name) id FROM job_runs k WHERE k.status = 'succeeded'
            ORDER BY job_name, finished_at DESC NULLS LAST, id DESC)
        UNION ALL
        (SELECT DISTINCT ON (job_name) id FROM job_runs k WHERE \(settled("k"))
            ORDER BY job_name, finished_at DESC NULLS LAST, id DESC)
        """

    package func job(named name: String) async throws -> JobRow {
        guard let row = try await pool.query("SELECT \(JobRow.columns) FROM jobs WHERE name = $1 AND removed_at IS NULL", [name]).first else {
            throw SchedulerError(
                code: .unknownJob,
                message: "no job named '\(name)' (the daemon loads jobs/ when it starts; see nomaly jobs list)"
            )
        }
        return try row.decode(JobRow.self)
    }

    /// Runs of a job, newest first; `before` pages backwards by run id.
    package func runs(job: String?, status: RunStatus? = nil, limit: Int, before: Int64? = nil) async throws -> [RunRecord] {
        try await pool.query(
            """
            SELECT \(RunRecord.columns) FROM job_runs
            WHERE ($1::text IS NULL OR job_name = $1) AND ($2::text IS NULL OR status = $2) AND ($3::int8 IS NULL OR id < $3)
            ORDER BY id DESC LIMIT $4
            """,
            [job, status?.rawValue, before, limit]
        ).decode(RunRecord.self)
    }

    package func run(id: Int64) async throws -> (record: RunRecord, logTail: String?) {
        guard let row = try await pool.query("SELECT \(RunRecord.columns), log_tail FROM job_runs WHERE id = $1", [id]).first else {
            throw SchedulerError(code: .unknownRun, message: "no run with id \(id) (it may have been pruned from the history)")
        }
        return (try row.decode(RunRecord.self), try row.decode(String?.self, column: "log_tail"))
    }

    /// Queues a run now, whatever the schedule says (and even while the job is paused).
    /// - Returns: the new run's id.
    package func trigger(job name: String) async throws -> Int64 {
        let row = try await job(named: name)
        guard row.origin == .file else {
            throw SchedulerError(
                code: .notTriggerable,
                message: "'\(name)' has no spec of its own: it holds the runs created by POST /api/v1/scoring-jobs"
            )
        }
        return try await queueNow(job: name, trigger: "manual", exclusive: try row.jobSpec().concurrency != .allow, spec: nil)
    }

    /// Inserts a run due now and wakes the dispatchers.
    /// - Parameter spec: what the run executes instead of its job's spec (runs created over the API).
    private func queueNow(job name: String, trigger: String, exclusive: Bool, spec: JobSpec?) async throws -> Int64 {
        try await pool.withTransaction { connection in
            // clock_timestamp() to the microsecond keeps two requests in the same millisecond apart: the slot key
            // (job, scheduled_at, attempt) is unique.
            let inserted = try await connection.query(
                """
                INSERT INTO job_runs (job_name, scheduled_at, attempt, trigger, not_before, exclusive, spec)
                VALUES ($1, clock_timestamp(), 1, $2, now(), $3, $4::jsonb) RETURNING id
                """,
                [name, trigger, exclusive, try spec.map { try PostgresJSON($0.document) }]
            )
            try await connection.execute("SELECT pg_notify($1, $2)", [Self.notificationChannel, "queued"])
            return try inserted.first!.decode(Int64.self)
        }
    }

    /// Pauses or resumes a job. A paused job queues nothing; slots passed while paused count as missed when it
    /// resumes, and its `misfire` policy decides what runs for them.
    package func setPaused(_ paused: Bool, job name: String) async throws {
        let updated = try await pool.execute(
            """
            UPDATE jobs SET paused = $2, updated_at = now(), active_since = CASE WHEN paused AND NOT $2 THEN now() ELSE active_since END
            WHERE name = $1 AND removed_at IS NULL
            """,
            [name, paused]
        )
        if updated == 0 { _ = try await job(named: name) }
    }

    /// Cancels a queued run at once, or asks the worker of a running run to stop it (it ends as `cancelled`).
    package func cancel(runID: Int64, reason: String) async throws -> RunStatus {
        try await pool.withTransaction { connection in
            guard
                let status = try await connection.query("SELECT status FROM job_runs WHERE id = $1 FOR UPDATE", [runID]).first?
                    .decode(RunStatus.self)
            else {
                throw SchedulerError(code: .unknownRun, message: "no run with id \(runID)")
            }
            switch status {
            case .queued:
                try await connection.execute(
                    "UPDATE job_runs SET status = 'cancelled', finished_at = now(), error = $2 WHERE id = $1",
                    [runID, reason]
                )
                return .cancelled
            case .running:
                try await connection.execute(
                    "UPDATE job_runs SET cancel_requested_at = now(), cancel_reason = $2 WHERE id = $1 AND cancel_requested_at IS NULL",
                    [runID, reason]
                )
                try await connection.execute("SELECT pg_notify($1, $2)", [Self.notificationChannel, Self.cancelNotification])
                return .running
            default:
                throw SchedulerError(code: .notCancellable, message: "run \(runID) already ended (\(status.rawValue))")
            }
        }
    }
}

extension RunStore {
    /// The job that holds scoring runs created over the API (`POST /api/v1/scoring-jobs`); migration 0003 creates it.
    package static let apiScoringJob = "api.scoring"

    /// Queues a run of `job` (an `api` job) that executes `spec` instead of the job's own: how the API asks for a
    /// one-off piece of work with settings of its own. The spec is validated by the caller against the job kinds.
    /// - Returns: the new run's id.
    package func queueAdHoc(_ spec: JobSpec, job name: String) async throws -> Int64 {
        let row = try await job(named: name)
        guard row.origin == .api, row.kind == spec.kind else {
            throw SchedulerError(code: .notTriggerable, message: "'\(name)' does not take \(spec.kind) runs over the API")
        }
        return try await queueNow(job: name, trigger: "api", exclusive: false, spec: spec)
    }
}

import Cron
import Foundation
import Postgres
import Units

extension RunStore {
    static let catalogLock = AdvisoryLockKey(name: "scheduler.catalog")
    static let planningLock = AdvisoryLockKey(name: "scheduler.planning")

    /// Writes the specs from `jobs/` into the `jobs` table. Files are the source of truth for specs; the table keeps
    /// each job's state (paused, last slot) across restarts and spec changes.
    /// - Parameter removeMissing: mark jobs whose file is gone as removed (their queued runs are skipped). Only the
    ///   daemon does this; a CLI started elsewhere must not retire every job.
    /// - Returns: the names of jobs added or changed.
    @discardableResult
    package func syncCatalog(_ specs: [JobSpec], removeMissing: Bool) async throws -> [String] {
        try await pool.withTransaction { connection in
            try await connection.advisoryTransactionLock(Self.catalogLock)
            let reserved = try await connection.query("SELECT name FROM jobs WHERE origin <> 'file' AND name = ANY($1)", [specs.map(\.name)])
                .decode(String.self)
            if let name = reserved.first {
                throw SchedulerError(
                    code: .reservedJobName,
                    message: "the job name '\(name)' is reserved for runs created over the API; rename jobs/\(name).yaml"
                )
            }
            var changed: [String] = []
            for spec in specs {
                let rows = try await connection.query(
                    """
                    INSERT INTO jobs (name, kind, schedule, timezone, spec, spec_hash, enabled, concurrency, starting_deadline_seconds,
                        keep_succeeded, keep_failed, max_age_seconds)
                    VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12)
                    ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, schedule = EXCLUDED.schedule, timezone = EXCLUDED.timezone,
                        spec = EXCLUDED.spec, spec_hash = EXCLUDED.spec_hash, enabled = EXCLUDED.enabled, removed_at = NULL,
                        active_since = CASE
                            WHEN jobs.removed_at IS NOT NULL OR (NOT jobs.enabled AND EXCLUDED.enabled)
                                OR jobs.schedule <> EXCLUDED.schedule OR jobs.timezone <> EXCLUDED.timezone
                            THEN now() ELSE jobs.active_since END,
                        concurrency = EXCLUDED.concurrency, starting_deadline_seconds = EXCLUDED.starting_deadline_seconds,
                        keep_succeeded = EXCLUDED.keep_succeeded, keep_failed = EXCLUDED.keep_failed,
                        max_age_seconds = EXCLUDED.max_age_seconds, updated_at = now()
                    WHERE jobs.spec_hash <> EXCLUDED.spec_hash OR jobs.removed_at IS NOT NULL
                    RETURNING name
                    """,
                    [
                        spec.name, spec.kind, spec.schedule.expression, spec.timeZoneName, try PostgresJSON(spec.document), spec.specHash,
                        spec.enabled, spec.concurrency.rawValue, spec.startingDeadline?.inSeconds, spec.history.keepSucceeded,
                        spec.history.keepFailed, spec.history.maxAge.inSeconds,
                    ]
                )
                if !rows.isEmpty { changed.append(spec.name) }
            }
            if removeMissing {
                let names = specs.map(\.name)
                try await connection.execute(
                    "UPDATE jobs SET removed_at = now(), updated_at = now() WHERE removed_at IS NULL AND origin = 'file' AND NOT (name = ANY($1))",
                    [names]
                )
                try await connection.execute(
                    """
                    UPDATE job_runs r SET status = 'skipped', finished_at = now(), error = 'the job was removed from jobs/'
                    FROM jobs j WHERE j.name = r.job_name AND j.removed_at IS NOT NULL AND r.status = 'queued'
                    """
                )
            }
            return changed
        }
    }

    /// Every job the planner should look at: present in `jobs/`, enabled or not (a disabled job keeps its place).
    package func plannableJobs() async throws -> [JobRow] {
        try await pool.query("SELECT \(JobRow.columns) FROM jobs WHERE removed_at IS NULL AND origin = 'file' ORDER BY name").decode(JobRow.self)
    }

    /// Queues the planned slots of many jobs and moves each job's `last_scheduled_at`, in one transaction.
    ///
    /// Only one replica plans at a time (a transaction-level advisory lock taken without waiting); the others skip
    /// the tick. Slots are unique per job, time and attempt, so even two planners could not queue a slot twice.
    /// - Returns: how many runs were queued, or nil when another replica held the planning lock.
    package func queue(_ plans: [(job: JobSpec, plan: SlotPlanner.Plan)]) async throws -> Int? {
        try await pool.withTransaction { connection -> Int? in
            guard try await !Self.claimsArePaused(on: connection) else { return nil }
            let locked = try await connection.query("SELECT pg_try_advisory_xact_lock($1)", [Self.planningLock.value]).first?.decode(Bool.self)
            guard locked == true else { return nil }
            var names: [String] = []
            var times: [Date] = []
            var notBefore: [Date] = []
            var triggers: [String] = []
            var exclusive: [Bool] = []
            for (job, plan) in plans {
                for slot in plan.slots {
                    names.append(job.name)
                    times.append(slot.scheduledAt)
                    notBefore.append(SlotPlanner.notBefore(slot.scheduledAt, jitter: job.jitter))
                    triggers.append(slot.trigger)
                    exclusive.append(job.concurrency != .allow)
                }
            }
            var queued = 0
            if !names.isEmpty {
                queued = try await connection.execute(
                    """
                    INSERT INTO job_runs (job_name, scheduled_at, attempt, trigger, not_before, exclusive)
                    SELECT s.name, s.at, 1, s.trigger, s.not_before, s.exclusive
                    FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[], $5::bool[])
                        AS s(name, at, trigger, not_before, exclusive)
                    ON CONFLICT (job_name, scheduled_at, attempt) DO NOTHING
                    """,
                    [names, times, triggers, notBefore, exclusive]
                )
            }
            try await connection.execute(
                """
                UPDATE jobs j SET last_scheduled_at = p.through
                FROM unnest($1::text[], $2::timestamptz[]) AS p(name, through)
                WHERE j.name = p.name AND (j.last_scheduled_at IS NULL OR j.last_scheduled_at < p.through)
                """,
                [plans.map(\.job.name), plans.map(\.plan.scheduledThrough)]
            )
            return queued
        }
    }
}

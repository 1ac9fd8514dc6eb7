package import Foundation
package import JSONValues
import Postgres

extension RunStore {
    /// Applies the concurrency and deadline policies to due queued runs, before workers claim:
    /// - `forbid`: a due run whose job is still running is skipped, as Kubernetes CronJob does;
    /// - `replace`: the running run is asked to stop (and its replica told at once, by notification); the new one starts
    ///   once it has;
    /// - `starting_deadline` (an hour when unset): a scheduled run that could not start in time is skipped.
    /// - Returns: the number of runs skipped.
    @discardableResult
    package func applyStartPolicies() async throws -> Int {
        try await pool.withTransaction { connection in
            guard try await !Self.claimsArePaused(on: connection) else { return 0 }
            let skippedBusy = try await connection.execute(
                """
                UPDATE job_runs r SET status = 'skipped', finished_at = now(),
                    error = 'the previous run (' || x.id || ') was still running (concurrency: forbid)'
                FROM jobs j, job_runs x
                WHERE r.status = 'queued' AND r.exclusive AND r.not_before <= now() AND r.trigger <> 'manual'
                  AND j.name = r.job_name AND j.concurrency = 'forbid'
                  AND x.job_name = r.job_name AND x.status = 'running' AND x.exclusive
                """
            )
            let replaced = try await connection.execute(
                """
                UPDATE job_runs x SET cancel_requested_at = now(), cancel_reason = 'replaced by a newer run (concurrency: replace)'
                FROM jobs j
                WHERE x.status = 'running' AND x.exclusive AND x.cancel_requested_at IS NULL
                  AND j.name = x.job_name AND j.concurrency = 'replace'
                  AND EXISTS (SELECT 1 FROM job_runs r WHERE r.job_name = x.job_name AND r.status = 'queued' AND r.not_before <= now())
                """
            )
            if replaced > 0 {
                try await connection.execute("SELECT pg_notify($1, $2)", [Self.notificationChannel, Self.cancelNotification])
            }
            // Without a starting_deadline, a scheduled run still queued an hour after its time (the scheduler was down,
            // or every worker busy that long) is skipped: slots missed during downtime are the misfire policy's business.
            let skippedLate = try await connection.execute(
                """
                UPDATE job_runs r SET status = 'skipped', finished_at = now(),
                    error = 'not started within ' || coalesce(j.starting_deadline_seconds, 3600) || ' s of its time'
                        || CASE WHEN j.starting_deadline_seconds IS NULL THEN '' ELSE ' (starting_deadline)' END
                FROM jobs j
                WHERE r.status = 'queued' AND r.trigger = 'schedule' AND j.name = r.job_name
                  AND r.scheduled_at + make_interval(secs => coalesce(j.starting_deadline_seconds, 3600)) < now()
                """
            )
            return skippedBusy + skippedLate
        }
    }

    /// A run whose lease expired: its worker stopped heartbeating (killed, partitioned, frozen).
    package struct LostRun: Sendable, Decodable {
        package let id: Int64
        package let jobName: String
        package let scheduledAt: Date
        package let attempt: Int
        package let exclusive: Bool
        package let claimedBy: String?
        package let spec: JSONValue
    }

    /// Marks runs with expired leases as `lost`, and queues a retry for those whose job allows another attempt.
    /// Rescue is by expired lease only, never by elapsed time: a long run that still heartbeats is never taken.
    /// - Parameter retryAt: when the next attempt of a lost run may start, from its job's retry policy.
    /// - Returns: the runs marked lost.
    @discardableResult
    package func reapExpiredLeases(retryAt: (LostRun) -> Date?) async throws -> [LostRun] {
        try await pool.withTransaction { connection in
            guard try await !Self.claimsArePaused(on: connection) else { return [] }
            let lost = try await connection.query(
                """
                UPDATE job_runs r SET status = 'lost', finished_at = now(), lease_expires_at = NULL,
                    error = 'lease expired: ' || coalesce(r.claimed_by, 'its worker') || ' stopped heartbeating'
                FROM jobs j
                WHERE r.status = 'running' AND r.lease_expires_at < now() AND j.name = r.job_name
                RETURNING r.id, r.job_name, r.scheduled_at, r.attempt, r.exclusive, r.claimed_by, coalesce(r.spec, j.spec) AS spec
                """
            ).decode(LostRun.self)
            for run in lost {
                guard let date = retryAt(run) else { continue }
                try await Self.queueRetry(
                    of: RetrySource(jobName: run.jobName, scheduledAt: run.scheduledAt, attempt: run.attempt, exclusive: run.exclusive),
                    at: date,
                    on: connection
                )
            }
            return lost
        }
    }

    /// Deletes finished runs beyond each job's `history` (`keep_succeeded`, `keep_failed`, `max_age`), in batches, so
    /// the table stays bounded even for a job that runs every second. The runs the job alerts read are kept
    /// (``runsKeptForAlerts``).
    /// - Returns: the number of runs deleted.
    @discardableResult
    package func pruneHistory(batch: Int = 5000) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await pool.withTransaction { connection -> Int in
                guard try await !Self.claimsArePaused(on: connection) else { return 0 }
                return try await connection.execute(
                    """
                    DELETE FROM job_runs WHERE id IN (
                        SELECT k.id FROM (
                            SELECT r.id, r.job_name, r.finished_at, r.status = 'succeeded' AS ok,
                                   row_number() OVER (PARTITION BY r.job_name, r.status = 'succeeded' ORDER BY r.finished_at DESC, r.id DESC) AS rank
                            FROM job_runs r WHERE r.finished_at IS NOT NULL
                        ) k JOIN jobs j ON j.name = k.job_name
                        WHERE (k.rank > CASE WHEN k.ok THEN j.keep_succeeded ELSE j.keep_failed END
                               OR k.finished_at < now() - make_interval(secs => j.max_age_seconds))
                          AND k.id NOT IN (\(Self.runsKeptForAlerts))
                        LIMIT $1
                    )
                    """,
                    [batch]
                )
            }
            total += deleted
            if deleted < batch { return total }
        }
    }
}

package import Foundation
package import JSONValues
import Logging
package import Postgres
import Units

/// Every statement the scheduler runs against `jobs` and `job_runs`. The exactly-once guarantees live here:
/// slots are unique rows, claims use `FOR UPDATE SKIP LOCKED`, and every write by a worker is fenced by its
/// lease token.
package struct RunStore: Sendable {
    package let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    // MARK: Claiming

    /// Claims up to `limit` due runs for `worker`, each with a fresh lease token.
    ///
    /// Exclusive runs (`concurrency: forbid|replace`) are claimed at most one per job and only when no run of that
    /// job is running; a partial unique index makes that hold even when two replicas race, in which case the loser
    /// retries and finds the job busy.
    package func claim(limit: Int, worker: String, lease: Duration) async throws -> [ClaimedRun] {
        guard limit > 0 else { return [] }
        for _ in 0..<3 {
            do {
                return try await pool.withTransaction { connection in
                    guard try await !Self.claimsArePaused(on: connection) else { return [] }
                    let candidates = try await connection.query(
                        """
                        SELECT r.id, r.job_name, r.exclusive
                        FROM job_runs r JOIN jobs j ON j.name = r.job_name
                        WHERE r.status = 'queued' AND r.not_before <= now() AND (NOT j.paused OR r.trigger = 'manual')
                          AND (NOT r.exclusive OR NOT EXISTS (
                                SELECT 1 FROM job_runs x WHERE x.job_name = r.job_name AND x.status = 'running' AND x.exclusive))
                        ORDER BY r.not_before, r.id
                        LIMIT $1
                        FOR UPDATE OF r SKIP LOCKED
                        """,
                        [limit * 2]
                    ).decode(Candidate.self)
                    var seenExclusive = Set<String>()
                    let chosen = candidates.filter { !$0.exclusive || seenExclusive.insert($0.jobName).inserted }.prefix(limit).map(\.id)
                    guard !chosen.isEmpty else { return [] }
                    return try await connection.query(
                        """
                        UPDATE job_runs r
                        SET status = 'running', claimed_by = $2, lease_token = gen_random_uuid(),
                            lease_expires_at = now() + make_interval(secs => $3), started_at = now(), heartbeat_at = now()
                        FROM jobs j
                        WHERE r.id = ANY($1) AND j.name = r.job_name
                        RETURNING r.id, r.job_name, r.scheduled_at, CASE WHEN r.trigger = 'catchup' THEN greatest(r.not_before, r.queued_at) ELSE r.not_before END AS due_at, r.attempt,
                            r.trigger, r.lease_token, r.started_at, coalesce(r.spec, j.spec) AS spec
                        """,
                        [Array(chosen), worker, lease.inSeconds]
                    ).decode(ClaimedRun.self)
                }
            } catch let error as PostgresError where error.code == .uniqueViolation {
                continue
            }
        }
        return []
    }

    private struct Candidate: Decodable {
        let id: Int64
        let jobName: String
        let exclusive: Bool
    }

    /// Extends the leases of runs this worker still holds.
    /// - Returns: for each run still held, the reason its cancellation was requested, if it was. Runs missing from
    ///   the answer lost their lease (the reaper took them): their worker must stop and write nothing.
    package func heartbeat(_ runs: [(id: Int64, token: UUID)], lease: Duration) async throws -> [Int64: String?] {
        guard !runs.isEmpty else { return [:] }
        struct Held: Decodable {
            let id: Int64
            let cancelRequested: Bool
            let cancelReason: String?
        }
        let held = try await pool.query(
            """
            UPDATE job_runs r SET lease_expires_at = now() + make_interval(secs => $3), heartbeat_at = now()
            FROM unnest($1::int8[], $2::uuid[]) AS h(id, token)
            WHERE r.id = h.id AND r.lease_token = h.token AND r.status = 'running'
            RETURNING r.id, r.cancel_requested_at IS NOT NULL AS cancel_requested, r.cancel_reason
            """,
            [runs.map(\.id), runs.map(\.token), lease.inSeconds]
        ).decode(Held.self)
        return Dictionary(uniqueKeysWithValues: held.map { ($0.id, $0.cancelRequested ? ($0.cancelReason ?? "cancelled") : nil) })
    }

    /// Saves a running run's log tail, if this worker still holds it.
    package func saveLog(runID: Int64, token: UUID, tail: String) async throws {
        try await pool.execute("UPDATE job_runs SET log_tail = $3 WHERE id = $1 AND lease_token = $2 AND status = 'running'", [runID, token, tail])
    }

    /// How a run ended, as its worker reports it.
    package struct Completion: Sendable {
        package var status: RunStatus
        package var error: String?
        package var logTail: String?
        package var result: JSONValue?
        package var exitCode: Int32?
        /// When set, a next attempt is queued to start then, in the same transaction.
        package var retryAt: Date?

        package init(
            status: RunStatus,
            error: String? = nil,
            logTail: String? = nil,
            result: JSONValue? = nil,
            exitCode: Int32? = nil,
            retryAt: Date? = nil
        ) {
            self.status = status
            self.error = error
            self.logTail = logTail
            self.result = result
            self.exitCode = exitCode
            self.retryAt = retryAt
        }
    }

    /// Records the end of a run, only if `token` still holds its lease.
    /// - Returns: false when the lease was lost (the run was reaped as lost and perhaps retried elsewhere): the
    ///   outcome is discarded, which is what makes a zombie worker harmless.
    @discardableResult
    package func complete(runID: Int64, token: UUID, _ completion: Completion) async throws -> Bool {
        try await pool.withTransaction { connection in
            let resultJSON = try completion.result.map { try PostgresJSON($0) }
            let updated = try await connection.query(
                """
                UPDATE job_runs SET status = $3, finished_at = now(), error = $4, log_tail = $5, result = $6::jsonb,
                    exit_code = $7, lease_expires_at = NULL
                WHERE id = $1 AND lease_token = $2 AND status = 'running'
                RETURNING job_name, scheduled_at, attempt, exclusive
                """,
                [runID, token, completion.status.rawValue, completion.error, completion.logTail, resultJSON, completion.exitCode.map(Int.init)]
            ).decode(RetrySource.self)
            guard let finished = updated.first else { return false }
            if let retryAt = completion.retryAt { try await Self.queueRetry(of: finished, at: retryAt, on: connection) }
            return true
        }
    }

    struct RetrySource: Decodable {
        let jobName: String
        let scheduledAt: Date
        let attempt: Int
        let exclusive: Bool
    }

    /// Queues the next attempt of `run`, unless its job was removed from `jobs/` meanwhile: a removed job's running
    /// run finishes, but nothing of it runs after that.
    static func queueRetry(of run: RetrySource, at date: Date, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            INSERT INTO job_runs (job_name, scheduled_at, attempt, trigger, not_before, exclusive, spec)
            SELECT $1, $2, $3 + 1, 'retry', $4, $5, r.spec FROM job_runs r JOIN jobs j ON j.name = r.job_name
            WHERE r.job_name = $1 AND r.scheduled_at = $2 AND r.attempt = $3 AND j.removed_at IS NULL
            ON CONFLICT DO NOTHING
            """,
            [run.jobName, run.scheduledAt, run.attempt, date, run.exclusive]
        )
    }

    /// The earliest moment a queued run becomes due, so the dispatcher can sleep until exactly then.
    package func nextDue() async throws -> Date? {
        try await pool.query("SELECT min(not_before) FROM job_runs WHERE status = 'queued'").first?.decode(Date?.self)
    }
}

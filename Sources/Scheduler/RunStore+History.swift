package import Foundation
import Postgres
import Units

/// One job's runs over a window, for the operations report.
package struct JobRunStatistics: Sendable, Decodable, Equatable {
    package let name: String
    package let kind: String
    package let paused: Bool
    /// Runs that finished in the window as succeeded, failed, timed out or lost.
    package let finished: Int
    package let succeeded: Int
    /// Median and 95th percentile of the successful runs' durations in the window, in seconds.
    package let p50: Double?
    package let p95: Double?
    /// The newest success ever, inside the window or not.
    package let lastSuccess: Date?
}

extension RunStore {
    /// Deletes finished runs that finished more than `age` ago, whatever their job's `history` says (the clean-up's
    /// `runs_max_age`, on top of ``pruneHistory(batch:)``), except the runs the job alerts read
    /// (``runsKeptForAlerts``); with `dryRun`, only counts them.
    /// - Returns: the runs deleted, or that would be.
    package func deleteFinishedRuns(olderThan age: Duration, dryRun: Bool) async throws -> Int {
        let condition = """
            finished_at IS NOT NULL AND finished_at < now() - make_interval(secs => $1) AND id NOT IN (\(Self.runsKeptForAlerts))
            """
        guard dryRun else { return try await pool.execute("DELETE FROM job_runs WHERE \(condition)", [age.inSeconds]) }
        return Int(try await pool.query("SELECT count(*) FROM job_runs WHERE \(condition)", [age.inSeconds]).first?.decode(Int64.self) ?? 0)
    }

    /// Every job, removed ones included, by name, with its runs that finished in the last `window`.
    package func runStatistics(over window: Duration) async throws -> [JobRunStatistics] {
        try await pool.query(
            """
            SELECT j.name, j.kind, j.paused,
                count(r.id) FILTER (WHERE r.status IN ('succeeded', 'failed', 'timed_out', 'lost'))::int AS finished,
                count(r.id) FILTER (WHERE r.status = 'succeeded')::int AS succeeded,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.finished_at - r.started_at)::float8)
                    FILTER (WHERE r.status = 'succeeded') AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM r.finished_at - r.started_at)::float8)
                    FILTER (WHERE r.status = 'succeeded') AS p95,
                (SELECT max(s.finished_at) FROM job_runs s WHERE s.job_name = j.name AND s.status = 'succeeded') AS last_success
            FROM jobs j
            LEFT JOIN job_runs r ON r.job_name = j.name AND r.finished_at > now() - make_interval(secs => $1)
            GROUP BY j.name, j.kind, j.paused ORDER BY j.name
            """,
            [window.inSeconds]
        ).decode(JobRunStatistics.self)
    }
}

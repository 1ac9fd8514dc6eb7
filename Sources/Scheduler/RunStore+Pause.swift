import Foundation
package import Postgres

extension RunStore {
    /// The advisory lock a restore holds (exclusively, on its own session) while it replaces the database or the
    /// artifacts. Every scheduler write that starts or creates work takes it shared for its transaction without
    /// waiting, so while a restore runs no replica claims, plans, reaps or prunes, and the pause ends by itself if
    /// the restoring process dies: the server drops a dead session's locks. An advisory lock also survives the
    /// restore dropping and re-creating every table, which a flag in a table would not.
    package static let claimsPause = AdvisoryLockKey(name: "scheduler.claims-paused")

    /// Whether a restore holds ``claimsPause``; when not, this transaction holds it shared until it ends.
    static func claimsArePaused(on connection: PostgresConnection) async throws -> Bool {
        let acquired = try await connection.query("SELECT pg_try_advisory_xact_lock_shared($1)", [claimsPause.value]).first?.decode(Bool.self)
        return acquired != true
    }

    /// Runs that are running under a live lease: what a restore waits for after pausing claims. A run whose lease
    /// expired belongs to a dead worker and will never finish; it is not waited for.
    package func runningWithLiveLease() async throws -> [(id: Int64, job: String)] {
        struct Row: Decodable {
            let id: Int64
            let jobName: String
        }
        return try await pool.query(
            "SELECT id, job_name FROM job_runs WHERE status = 'running' AND lease_expires_at > now() ORDER BY id"
        ).decode(Row.self).map { ($0.id, $0.jobName) }
    }

    /// After a database restore, runs recorded as running at the moment the backup was taken belong to workers of
    /// that past: they are marked cancelled (not lost, which would retry them) so nothing runs twice.
    /// - Returns: how many runs were closed.
    @discardableResult
    package func closeRunsInterruptedByRestore(backupID: String) async throws -> Int {
        try await pool.execute(
            """
            UPDATE job_runs SET status = 'cancelled', finished_at = now(), lease_expires_at = NULL,
                error = 'was running when backup ' || $1 || ' was taken; closed by its restore'
            WHERE status IN ('running', 'queued')
            """,
            [backupID]
        )
    }
}

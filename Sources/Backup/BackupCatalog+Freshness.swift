package import Foundation
import Postgres
import Units

/// How fresh one kind of backup is, for alerts such as "no verified backup in 26 h".
package struct BackupFreshness: Sendable, Equatable {
    /// `database`, `models` or `full`.
    package let kind: String
    /// When the newest successful set of the kind finished.
    package let lastSuccess: Date?
    /// When the newest verified set of the kind finished (when it was made: re-verifying an old set does not make
    /// backups fresh).
    package let lastVerified: Date?
    /// The size of the newest successful set.
    package let lastSize: Int64?
    /// Failed attempts started in the last 24 hours.
    package let failuresLastDay: Int
}

/// The newest sets and the failures of a window, for the operations report.
package struct BackupSummary: Sendable, Codable, Equatable {
    package let newestSucceeded: String?
    package let newestSucceededAt: Date?
    package let newestVerified: String?
    package let newestVerifiedAt: Date?
    /// Failed attempts started in the window.
    package let failedInWindow: Int
}

extension BackupCatalog {
    /// One entry per kind that has a row, by kind.
    package func freshness() async throws -> [BackupFreshness] {
        // Times come as epoch seconds: a `Date` made from them gives back exactly the number the server computed.
        struct Row: Decodable {
            let kind: String
            let lastSuccess: Double?
            let lastVerified: Double?
            let lastSize: Int64?
            let failures: Int
        }
        return try await pool.query(
            """
            SELECT kind,
                extract(epoch FROM max(finished_at) FILTER (WHERE status = 'succeeded'))::float8 AS last_success,
                extract(epoch FROM max(finished_at) FILTER (WHERE status = 'succeeded' AND verified_at IS NOT NULL))::float8
                    AS last_verified,
                (array_agg(size_bytes ORDER BY id DESC) FILTER (WHERE status = 'succeeded'))[1] AS last_size,
                count(*) FILTER (WHERE status = 'failed' AND started_at > now() - interval '1 day')::int AS failures
            FROM backups GROUP BY kind ORDER BY kind
            """
        ).decode(Row.self).map { row in
            BackupFreshness(
                kind: row.kind,
                lastSuccess: row.lastSuccess.map(Date.init(timeIntervalSince1970:)),
                lastVerified: row.lastVerified.map(Date.init(timeIntervalSince1970:)),
                lastSize: row.lastSize,
                failuresLastDay: row.failures
            )
        }
    }

    /// The newest succeeded and the newest verified set, and the failed attempts that started in the last `window`.
    package func summary(over window: Duration) async throws -> BackupSummary {
        try await pool.query(
            """
            SELECT (SELECT id FROM backups WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1) AS newest_succeeded,
                   (SELECT finished_at FROM backups WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1) AS newest_succeeded_at,
                   (SELECT id FROM backups WHERE verified_at IS NOT NULL ORDER BY id DESC LIMIT 1) AS newest_verified,
                   (SELECT verified_at FROM backups WHERE verified_at IS NOT NULL ORDER BY id DESC LIMIT 1) AS newest_verified_at,
                   (SELECT count(*) FROM backups WHERE status = 'failed' AND started_at > now() - make_interval(secs => $1))::int AS failed_in_window
            """,
            [window.inSeconds]
        ).decode(BackupSummary.self).first!
    }
}

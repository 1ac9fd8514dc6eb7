public import Foundation
public import Postgres

/// `nomaly report`: the guide's weekly performance report (`scripts.performance_report`), from the database alone.
public struct OperationsReport: Sendable, Codable {
    public struct Job: Sendable, Codable {
        public let name: String
        public let kind: String
        public let paused: Bool
        /// Finished runs in the window (succeeded, failed, timed out, lost).
        public let finished: Int
        public let succeeded: Int
        /// `succeeded / finished`; nil without finished runs.
        public let successRate: Double?
        public let durationP50Seconds: Double?
        public let durationP95Seconds: Double?
        public let lastSuccessAt: Date?
    }

    public struct Model: Sendable, Codable {
        public let name: String
        public let versions: Int
        public let latestVersion: Int?
        /// `alias=version`, sorted.
        public let aliases: [String]
    }

    public struct Table: Sendable, Codable {
        public let name: String
        public let bytes: Int64
    }

    public struct Backups: Sendable, Codable {
        public let newestSucceeded: String?
        public let newestSucceededAt: Date?
        public let newestVerified: String?
        public let newestVerifiedAt: Date?
        public let failedInWindow: Int
    }

    public let generatedAt: Date
    public let windowDays: Int
    public let jobs: [Job]
    public let models: [Model]
    public let databaseBytes: Int64
    public let largestTables: [Table]
    public let backups: Backups

    /// - Parameter days: how far back run statistics go.
    public static func make(pool: PostgresPool, days: Int = 7) async throws -> OperationsReport {
        let window = Double(days) * 86_400
        let jobs = try await pool.query(
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
            [window]
        ).decode(JobRow.self).map { row in
            Job(
                name: row.name,
                kind: row.kind,
                paused: row.paused,
                finished: row.finished,
                succeeded: row.succeeded,
                successRate: row.finished > 0 ? Double(row.succeeded) / Double(row.finished) : nil,
                durationP50Seconds: row.p50,
                durationP95Seconds: row.p95,
                lastSuccessAt: row.lastSuccess
            )
        }
        let models = try await pool.query(
            """
            SELECT m.name,
                (SELECT count(*) FROM model_versions v WHERE v.model_id = m.id AND v.deleted_at IS NULL)::int AS versions,
                (SELECT max(v.version) FROM model_versions v WHERE v.model_id = m.id AND v.deleted_at IS NULL) AS latest_version,
                coalesce((SELECT jsonb_agg(a.alias || '=' || v.version ORDER BY a.alias)
                          FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = m.id), '[]') AS aliases
            FROM models m ORDER BY m.name
            """
        ).decode(Model.self)
        let databaseBytes = try await pool.query("SELECT pg_database_size(current_database())").first!.decode(Int64.self)
        let tables = try await pool.query(
            """
            SELECT c.oid::regclass::text AS name, pg_total_relation_size(c.oid) AS bytes
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            ORDER BY 2 DESC, 1 LIMIT 5
            """
        ).decode(Table.self)
        let backups = try await pool.query(
            """
            SELECT (SELECT id FROM backups WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1) AS newest_succeeded,
                   (SELECT finished_at FROM backups WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1) AS newest_succeeded_at,
                   (SELECT id FROM backups WHERE verified_at IS NOT NULL ORDER BY id DESC LIMIT 1) AS newest_verified,
                   (SELECT verified_at FROM backups WHERE verified_at IS NOT NULL ORDER BY id DESC LIMIT 1) AS newest_verified_at,
                   (SELECT count(*) FROM backups WHERE status = 'failed' AND started_at > now() - make_interval(secs => $1))::int AS failed_in_window
            """,
            [window]
        ).decode(Backups.self).first!
        return OperationsReport(
            generatedAt: Date(),
            windowDays: days,
            jobs: jobs,
            models: models,
            databaseBytes: databaseBytes,
            largestTables: tables,
            backups: backups
        )
    }

    private struct JobRow: Decodable {
        let name: String
        let kind: String
        let paused: Bool
        let finished: Int
        let succeeded: Int
        let p50: Double?
        let p95: Double?
        let lastSuccess: Date?
    }
}

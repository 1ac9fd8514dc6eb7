public import Backup
public import Foundation
public import Postgres
import Registry
import Scheduler

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

    /// The newest succeeded and verified sets, and the failed attempts of the window.
    public typealias Backups = BackupSummary

    public let generatedAt: Date
    public let windowDays: Int
    public let jobs: [Job]
    public let models: [Model]
    public let databaseBytes: Int64
    public let largestTables: [Table]
    public let backups: Backups

    /// Asks each table's owner: the run store for jobs, the registry for models, the backup catalog for backups;
    /// sizes come from PostgreSQL's own catalogs.
    /// - Parameter days: how far back run statistics go.
    public static func make(pool: PostgresPool, days: Int = 7) async throws -> OperationsReport {
        let window = Duration.seconds(days * 86_400)
        let jobs = try await RunStore(pool: pool).runStatistics(over: window).map { job in
            Job(
                name: job.name,
                kind: job.kind,
                paused: job.paused,
                finished: job.finished,
                succeeded: job.succeeded,
                successRate: job.finished > 0 ? Double(job.succeeded) / Double(job.finished) : nil,
                durationP50Seconds: job.p50,
                durationP95Seconds: job.p95,
                lastSuccessAt: job.lastSuccess
            )
        }
        let models = try await ModelRegistry.overview(in: pool).map {
            Model(name: $0.name, versions: $0.versions, latestVersion: $0.latestVersion, aliases: $0.aliases)
        }
        let databaseBytes = try await pool.query("SELECT pg_database_size(current_database())").first!.decode(Int64.self)
        let tables = try await pool.query(
            """
            SELECT c.oid::regclass::text AS name, pg_total_relation_size(c.oid) AS bytes
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            ORDER BY 2 DESC, 1 LIMIT 5
            """
        ).decode(Table.self)
        return OperationsReport(
            generatedAt: Date(),
            windowDays: days,
            jobs: jobs,
            models: models,
            databaseBytes: databaseBytes,
            largestTables: tables,
            backups: try await BackupCatalog(pool: pool).summary(over: window)
        )
    }
}

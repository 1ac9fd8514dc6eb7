package import Backup
package import Foundation
package import Postgres
import Registry
import Scheduler

/// `nomaly report`: the guide's weekly performance report (`scripts.performance_report`), from the database alone.
package struct OperationsReport: Sendable, Codable {
    package struct Job: Sendable, Codable {
        package let name: String
        package let kind: String
        package let paused: Bool
        /// Finished runs in the window (succeeded, failed, timed out, lost).
        package let finished: Int
        package let succeeded: Int
        /// `succeeded / finished`; nil without finished runs.
        package let successRate: Double?
        package let durationP50Seconds: Double?
        package let durationP95Seconds: Double?
        package let lastSuccessAt: Date?
    }

    package struct Model: Sendable, Codable {
        package let name: String
        package let versions: Int
        package let latestVersion: Int?
        /// `alias=version`, sorted.
        package let aliases: [String]
    }

    package struct Table: Sendable, Codable {
        package let name: String
        package let bytes: Int64
    }

    /// The newest succeeded and verified sets, and the failed attempts of the window.
    package typealias Backups = BackupSummary

    package let generatedAt: Date
    package let windowDays: Int
    package let jobs: [Job]
    package let models: [Model]
    package let databaseBytes: Int64
    package let largestTables: [Table]
    package let backups: Backups

    /// Asks each table's owner: the run store for jobs, the registry for models, the backup catalog for backups;
    /// sizes come from PostgreSQL's own catalogs.
    /// - Parameter days: how far back run statistics go.
    package static func make(pool: PostgresPool, days: Int = 7) async throws -> OperationsReport {
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

package import Maintenance

extension Runtime {
    /// The operations report over the last `days` days: jobs, models, the database's size, backup freshness.
    package func operationsReport(days: Int) async throws -> OperationsReport {
        try await withDatabase { pool in try await OperationsReport.make(pool: pool, days: days) }
    }
}

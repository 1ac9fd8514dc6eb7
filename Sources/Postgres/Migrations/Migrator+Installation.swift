package import Foundation

extension Migrator {
    /// When this installation's schema was first migrated (its oldest applied migration); nil before any was applied.
    /// Alerts such as "never backed up" count from it rather than from when some replica last started.
    package static func installedAt(_ pool: PostgresPool) async throws -> Date? {
        // Epoch seconds as the server computes them: a `Date` made from them gives back exactly that number.
        let seconds = try await pool.query("SELECT extract(epoch FROM min(applied_at))::float8 FROM schema_migrations").first?.decode(Double?.self)
        return seconds.flatMap { $0 }.map(Date.init(timeIntervalSince1970:))
    }
}

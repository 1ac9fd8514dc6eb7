package import Postgres

/// The only reader and writer of `audit_log`: registry changes, API changes and backup waivers all go through it.
///
/// Append on a connection inside the caller's transaction when the entry must exist exactly when the change does,
/// or through the pool when the change was already made.
///
/// ```swift
/// let audit = AuditLog(pool: pool)
/// try await audit.record(try AuditEvent(actor: "cli:ana", action: "token.revoke", target: "ci", details: [String: String]()))
/// let newest = try await audit.entries(limit: 20)
/// ```
package struct AuditLog: Sendable {
    let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    private static let insert = "INSERT INTO audit_log (actor, action, target, details, remote_addr) VALUES ($1, $2, $3, $4::jsonb, $5)"

    private static func parameters(_ event: AuditEvent) -> [any PostgresEncodable] {
        [event.actor, event.action, event.target, event.details, event.remoteAddress]
    }

    /// Appends `event` in a statement of its own.
    package func record(_ event: AuditEvent) async throws {
        try await pool.execute(Self.insert, Self.parameters(event))
    }

    /// Appends `event` on `connection`, inside whatever transaction the caller has open there: rolled back with it.
    package static func record(_ event: AuditEvent, on connection: PostgresConnection) async throws {
        try await connection.execute(insert, parameters(event))
    }

    /// The newest entries, newest first; pass the last entry's id as `before` for the next page.
    /// - Parameter limit: clamped to 1…1000.
    package func entries(limit: Int = 100, before: Int64? = nil) async throws -> [AuditEntry] {
        try await entries(limit: limit, before: before, as: AuditEntry.self)
    }

    /// The newest entries, newest first, decoded into the caller's row type from the columns `id`, `at`, `actor`,
    /// `action`, `target`, `details` and `remote_addr`; pass the last entry's id as `before` for the next page.
    /// - Parameter limit: clamped to 1…1000.
    package func entries<Entry: Decodable>(limit: Int = 100, before: Int64? = nil, as type: Entry.Type = Entry.self) async throws -> [Entry] {
        try await pool.query(
            """
            SELECT id, at, actor, action, target, details, remote_addr FROM audit_log
            WHERE id < COALESCE($1::bigint, 9223372036854775807)
            ORDER BY id DESC
            LIMIT $2
            """,
            [before, min(max(limit, 1), 1000)]
        ).decode(type)
    }
}

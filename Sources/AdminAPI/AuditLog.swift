import Foundation
public import Postgres

/// Appends API changes to `audit_log` with the token's name and the caller's address.
public struct AuditLog: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    func record(_ identity: TokenIdentity, action: String, target: String?, details: [String: String], context: NomalyRequestContext) async throws {
        let json = String(decoding: try JSONEncoder().encode(details), as: UTF8.self)
        try await pool.execute(
            "INSERT INTO audit_log (actor, action, target, details, remote_addr) VALUES ($1, $2, $3, $4::jsonb, $5)",
            ["token:" + identity.name, action, target, json, context.remoteAddress]
        )
    }
}

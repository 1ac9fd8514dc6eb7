package import Foundation
package import JSONValues

/// One row of the audit log: who changed what, when (what `/api/v1/audit` answers).
///
/// ```swift
/// let entries = try await AuditLog(pool: pool).entries(limit: 20)
/// for entry in entries { print(entry.at, entry.actor, entry.action, entry.target ?? "") }
/// let older = try await AuditLog(pool: pool).entries(limit: 20, before: entries.last?.id)
/// ```
package struct AuditEntry: Codable, Sendable, Equatable {
    package var id: Int64
    package var at: Date
    package var actor: String
    /// `model.register`, `model.promote`, `model.rollback`, `model.alias.remove`, `model.delete`, `model.gc`,
    /// `token.create`, `job.run`, `backup.verify.waiver`, …
    package var action: String
    /// `fraud:3`, `fraud@production`, …
    package var target: String?
    package var details: JSONValue
    package var remoteAddr: String?
}

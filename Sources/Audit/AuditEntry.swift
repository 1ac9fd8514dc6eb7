public import Foundation
public import JSONValues

/// One row of the audit log: who changed what, when (what `/api/v1/audit` answers).
///
/// ```swift
/// let entries = try await AuditLog(pool: pool).entries(limit: 20)
/// for entry in entries { print(entry.at, entry.actor, entry.action, entry.target ?? "") }
/// let older = try await AuditLog(pool: pool).entries(limit: 20, before: entries.last?.id)
/// ```
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    /// `model.register`, `model.promote`, `model.rollback`, `model.alias.remove`, `model.delete`, `model.gc`,
    /// `token.create`, `job.run`, `backup.verify.waiver`, …
    public var action: String
    /// `fraud:3`, `fraud@production`, …
    public var target: String?
    public var details: JSONValue
    public var remoteAddr: String?
}

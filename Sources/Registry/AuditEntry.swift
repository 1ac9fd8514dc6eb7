public import Foundation
public import JSONValues

/// One row of the audit log: who changed what, when.
///
/// ```swift
/// let entries = try await registry.audit(limit: 20)
/// for entry in entries { print(entry.at, entry.actor, entry.action, entry.target ?? "") }
/// let older = try await registry.audit(limit: 20, before: entries.last?.id)
/// ```
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    /// `model.register`, `model.promote`, `model.rollback`, `model.alias.remove`, `model.delete`, `model.gc`, …
    public var action: String
    /// `fraud:3`, `fraud@production`, …
    public var target: String?
    public var details: JSONValue
    public var remoteAddr: String?
}

/// What a garbage collection removed, or would remove in a dry run.
///
/// ```swift
/// let report = try await registry.collectGarbage(dryRun: true)
/// print("would free \(report.bytesReclaimed) bytes in \(report.deletedKeys.count) objects")
/// ```
public struct GarbageReport: Codable, Sendable, Equatable {
    public var dryRun: Bool
    /// Objects deleted, or that a dry run would delete: artifacts only deleted versions reference, and orphans.
    public var deletedKeys: [String]
    /// The sum of their sizes.
    public var bytesReclaimed: Int64
    /// The subset of ``deletedKeys`` that no version row references at all (left by failed registrations).
    public var orphanKeys: [String]
    /// Deleted versions whose artifact goes (`fraud:2`); they can no longer be restored.
    public var unreferencedVersions: [String]
    /// Orphans younger than the grace period, kept because a registration may be about to commit them.
    public var skippedRecentKeys: [String]
    /// Objects below the prefix whose names are not artifact keys; never touched.
    public var foreignKeys: [String]
}

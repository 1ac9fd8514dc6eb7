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

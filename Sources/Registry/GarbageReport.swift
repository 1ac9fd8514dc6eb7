/// What a garbage collection removed, or would remove in a dry run.
///
/// ```swift
/// let report = try await registry.collectGarbage(dryRun: true)
/// print("would free \(report.bytesReclaimed) bytes in \(report.deletedKeys.count) objects")
/// ```
package struct GarbageReport: Codable, Sendable, Equatable {
    package var dryRun: Bool
    /// Objects deleted, or that a dry run would delete: artifacts only deleted versions reference, and orphans.
    package var deletedKeys: [String]
    /// The sum of their sizes.
    package var bytesReclaimed: Int64
    /// The subset of ``deletedKeys`` that no version row references at all (left by failed registrations).
    package var orphanKeys: [String]
    /// Deleted versions whose artifact goes (`fraud:2`); they can no longer be restored.
    package var unreferencedVersions: [String]
    /// Orphans younger than the grace period, kept because a registration may be about to commit them.
    package var skippedRecentKeys: [String]
    /// Objects below the prefix whose names are not artifact keys; never touched.
    package var foreignKeys: [String]
}

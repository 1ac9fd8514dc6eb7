import Foundation
import JSONValues
import Logging
import ObjectStore
import Postgres
import Units

extension ModelRegistry {
    /// Soft-deletes a version: it disappears from listings and references, its row stays for lineage and history, and
    /// its artifact stays until ``collectGarbage(dryRun:gracePeriod:actor:)`` finds no live version using it.
    ///
    /// ```swift
    /// try await registry.delete(model: "fraud", version: 2, actor: "ana")
    /// ```
    /// - Throws: ``RegistryError`` `.notFound` for a version that does not exist or was already deleted, `.refused`
    ///   while an alias points at it.
    package func delete(model: String, version: Int, actor: String) async throws {
        try RegistryNames.validateModel(model)
        try RegistryNames.validateActor(actor)
        try await pool.withTransaction { connection in
            // The model's row lock keeps a concurrent promotion from pointing an alias at the version being deleted.
            let modelID = try await lockModel(model, on: connection)
            let versionID = try await liveVersionID(model: model, modelID: modelID, version: version, on: connection)
            let aliases = try await connection.query(
                "SELECT alias FROM model_aliases WHERE model_id = $1 AND version_id = $2 ORDER BY alias",
                [modelID, versionID]
            ).decode(String.self)
            guard aliases.isEmpty else {
                let names = aliases.joined(separator: ", ")
                throw RegistryError(
                    .refused,
                    "\(model):\(version) is what \(names) point\(aliases.count == 1 ? "s" : "") at; promote another version "
                        + "or remove the alias first"
                )
            }
            try await connection.execute("UPDATE model_versions SET deleted_at = now() WHERE id = $1", [versionID])
            try await audit("model.delete", target: "\(model):\(version)", actor: actor, details: [:], on: connection)
        }
        logger.info("deleted a model version", metadata: ["model": "\(model)", "version": "\(version)", "actor": "\(actor)"])
    }

    /// Deletes stored artifacts that no live version references: those of deleted versions, and orphans that no row
    /// references at all (left when a registration's transaction failed after its upload).
    ///
    /// An orphan younger than `gracePeriod` is kept: it may belong to a registration that uploaded it and has not
    /// committed yet. That is an optimisation, not the safety net: registrations check that their object exists while
    /// holding a shared advisory lock which the collection holds exclusively while it decides and deletes, so an object
    /// is never deleted under a version that commits (a registration whose object vanished stores it again). Object
    /// ages come from the store's clock; keep the grace period well above any clock skew.
    ///
    /// ```swift
    /// let preview = try await registry.collectGarbage(dryRun: true)
    /// let report = try await registry.collectGarbage(dryRun: false, gracePeriod: .seconds(3600), actor: "ana")
    /// print("freed \(report.bytesReclaimed) bytes")
    /// ```
    /// - Parameters:
    ///   - dryRun: report what would be deleted without deleting or locking anything.
    ///   - actor: recorded in the audit log when something was deleted.
    /// - Throws: ``RegistryError`` `.storage` when the store cannot be listed or an object cannot be deleted (objects
    ///   deleted before the failure stay deleted; running again finishes the work).
    package func collectGarbage(dryRun: Bool, gracePeriod: Duration = .seconds(3600), actor: String = "nomaly-gc") async throws -> GarbageReport {
        let objects: [ObjectInfo]
        do {
            objects = try await artifacts.store.list(prefix: artifacts.keyPrefix)
        } catch {
            throw RegistryError(.storage, "cannot list \(artifacts.store.locationDescription) below \(artifacts.keyPrefix): \(error)")
        }
        let cutoff = Date().addingTimeInterval(-gracePeriod.inSeconds)
        guard !dryRun else {
            return try await pool.withConnection { try await plan(objects, cutoff: cutoff, dryRun: true, on: $0) }
        }
        let report = try await pool.withTransaction { connection in
            try await connection.advisoryTransactionLock(Self.artifactLock)
            let report = try await plan(objects, cutoff: cutoff, dryRun: false, on: connection)
            for key in report.deletedKeys {
                do {
                    try await artifacts.store.delete(key: key)
                } catch {
                    throw RegistryError(.storage, "cannot delete \(key) from \(artifacts.store.locationDescription): \(error)")
                }
            }
            if !report.deletedKeys.isEmpty {
                try await audit(
                    "model.gc",
                    target: artifacts.store.locationDescription,
                    actor: actor,
                    details: [
                        "deleted": .integer(Int64(report.deletedKeys.count)), "orphans": .integer(Int64(report.orphanKeys.count)),
                        "bytes": .integer(report.bytesReclaimed), "versions": .array(report.unreferencedVersions.map { .string($0) }),
                    ],
                    on: connection
                )
            }
            return report
        }
        logger.info(
            "collected artifact garbage",
            metadata: [
                "deleted": "\(report.deletedKeys.count)", "bytes": "\(report.bytesReclaimed)", "kept_recent": "\(report.skippedRecentKeys.count)",
            ]
        )
        return report
    }

    /// Decides what goes, from the listing and the version rows as of now.
    private func plan(_ objects: [ObjectInfo], cutoff: Date, dryRun: Bool, on connection: PostgresConnection) async throws -> GarbageReport {
        struct Usage: Decodable {
            let sha256: String
            let live: Bool
            let deleted: [String]
        }
        let hashes = objects.compactMap { artifacts.sha256(ofKey: $0.key) }
        let usage = try await connection.query(
            """
            SELECT v.artifact_sha256 AS sha256, bool_or(v.deleted_at IS NULL) AS live,
                COALESCE(jsonb_agg(m.name || ':' || v.version ORDER BY m.name, v.version) FILTER (WHERE v.deleted_at IS NOT NULL), '[]')
                    AS deleted
            FROM model_versions v JOIN models m ON m.id = v.model_id
            WHERE v.artifact_sha256 = ANY($1::text[])
            GROUP BY v.artifact_sha256
            """,
            [hashes]
        ).decode(Usage.self)
        let bySHA = Dictionary(uniqueKeysWithValues: usage.map { ($0.sha256, $0) })
        var report = GarbageReport(
            dryRun: dryRun,
            deletedKeys: [],
            bytesReclaimed: 0,
            orphanKeys: [],
            unreferencedVersions: [],
            skippedRecentKeys: [],
            foreignKeys: []
        )
        for object in objects {
            guard let sha256 = artifacts.sha256(ofKey: object.key) else {
                report.foreignKeys.append(object.key)
                continue
            }
            if let usage = bySHA[sha256] {
                guard !usage.live else { continue }
                report.unreferencedVersions += usage.deleted
            } else {
                // An object without a date cannot be shown to be old enough, so it is kept.
                guard let modified = object.lastModified, modified <= cutoff else {
                    report.skippedRecentKeys.append(object.key)
                    continue
                }
                report.orphanKeys.append(object.key)
            }
            report.deletedKeys.append(object.key)
            report.bytesReclaimed += object.size
        }
        report.unreferencedVersions.sort()
        return report
    }
}

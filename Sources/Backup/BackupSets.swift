package import Foundation
import Logging
package import ObjectStore

/// A complete set in the backup folder (one with a readable manifest).
package struct LocalBackupSet: Sendable {
    package let id: BackupSetID
    package let path: String
    package let manifest: BackupManifest

    /// Whether its manifest has a signature beside it (checked only when the set is verified or restored).
    package var isSigned: Bool { FileManager.default.fileExists(atPath: path + "/" + ManifestSignature.fileName) }
}

/// A set in the bucket: every object under `PREFIX/YYYY/MM/DD/ID/`. It is complete when its manifest is there,
/// because uploads send the manifest last.
package struct RemoteBackupSet: Sendable {
    package let id: BackupSetID
    /// Ends in `/`.
    package let keyPrefix: String
    package let objects: [ObjectInfo]

    package var isComplete: Bool { objects.contains { $0.key == keyPrefix + BackupManifest.fileName } }
    package var size: Int64 { objects.reduce(0) { $0 + $1.size } }
}

/// One line of `nomaly backup list`: what is known about a set from the folder, the bucket and the table.
package struct BackupListing: Sendable, Codable {
    package let id: String
    package let kind: String?
    /// `succeeded`, `failed`, `running`, or `unrecorded` for a set with no row (copied in by hand, or made before
    /// a restore of an older database).
    package let status: String
    package let createdAt: Date
    package let ageSeconds: Int64
    package let sizeBytes: Int64?
    package let local: String?
    package let remote: String?
    package let encrypted: Bool?
    /// Whether the local copy's manifest is signed; nil when there is no local copy.
    package let signed: Bool?
    package let verifiedAt: Date?
    package let error: String?
}

/// Finds sets in the backup folder and the bucket, and joins them with the rows of the ``BackupCatalog``.
package struct BackupSets: Sendable {
    let environment: BackupEnvironment

    package init(_ environment: BackupEnvironment) {
        self.environment = environment
    }

    /// Complete local sets, oldest first. Folders without a manifest are unfinished or damaged and are not sets;
    /// other files in the folder are ignored.
    package func localSets() throws -> [LocalBackupSet] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: environment.directory)) ?? []
        return try names.sorted().compactMap { name -> LocalBackupSet? in
            guard let id = BackupSetID(name) else { return nil }
            let path = environment.setPath(id)
            let manifestPath = path + "/" + BackupManifest.fileName
            guard FileManager.default.fileExists(atPath: manifestPath) else { return nil }
            return LocalBackupSet(id: id, path: path, manifest: try BackupManifest.read(from: manifestPath))
        }
    }

    package func localSet(_ id: BackupSetID) throws -> LocalBackupSet? {
        try localSets().first { $0.id == id }
    }

    /// Sets in the bucket, oldest first; empty when no bucket is configured.
    package func remoteSets() async throws -> [RemoteBackupSet] {
        guard let remote = environment.remote else { return [] }
        let objects: [ObjectInfo]
        do {
            objects = try await remote.store.list(prefix: remote.prefix)
        } catch {
            throw BackupError(.storage, "cannot list \(remote.description): \(error)")
        }
        var byID: [BackupSetID: (prefix: String, objects: [ObjectInfo])] = [:]
        for object in objects {
            // PREFIX/YYYY/MM/DD/ID/FILE
            let parts = object.key.dropFirst(remote.prefix.count).split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 5, let id = BackupSetID(String(parts[3])), id.datePath == parts[0..<3].joined(separator: "/") + "/" else {
                continue
            }
            byID[id, default: (remote.key(id, file: ""), [])].objects.append(object)
        }
        return byID.keys.sorted().map { RemoteBackupSet(id: $0, keyPrefix: byID[$0]!.prefix, objects: byID[$0]!.objects) }
    }

    /// Everything known about every set: local and remote sets and the table's rows (failed attempts included).
    package func list(now: Date = Date()) async throws -> [BackupListing] {
        let local = Dictionary(uniqueKeysWithValues: try localSets().map { ($0.id.value, $0) })
        let remote = Dictionary(uniqueKeysWithValues: try await remoteSets().filter(\.isComplete).map { ($0.id.value, $0) })
        let rows = Dictionary(uniqueKeysWithValues: try await BackupCatalog(pool: environment.pool).records().map { ($0.id, $0) })
        let ids = Set(local.keys).union(remote.keys).union(rows.keys).sorted()
        return ids.compactMap { id -> BackupListing? in
            guard let setID = BackupSetID(id) else { return nil }
            let set = local[id]
            let row = rows[id]
            let remoteSet = remote[id]
            return BackupListing(
                id: id,
                kind: set?.manifest.kind.rawValue ?? row?.kind,
                status: row?.status ?? "unrecorded",
                createdAt: setID.date,
                ageSeconds: Int64(now.timeIntervalSince(setID.date)),
                sizeBytes: set?.manifest.totalSize ?? row?.sizeBytes ?? remoteSet?.size,
                local: set?.path,
                remote: remoteSet.map { environment.remote!.store.locationDescription.trimmingSuffix("/") + "/" + $0.keyPrefix },
                encrypted: set.map { $0.manifest.encryption != nil },
                signed: set?.isSigned,
                verifiedAt: row?.verifiedAt,
                error: row?.error
            )
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}

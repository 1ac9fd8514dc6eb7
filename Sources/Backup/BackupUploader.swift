import FileSystem
import Foundation
import Logging
import ObjectStore

/// What an upload did; `uploaded` + `skipped` = every object considered.
package struct UploadReport: Sendable, Codable, Equatable {
    package var uploaded: [String] = []
    package var skipped = 0
    package var bytesUploaded: Int64 = 0
    package var sets: [String] = []
    package var artifactsUploaded = 0
    package var artifactsSkipped = 0

    package init() {}
}

/// The `s3-upload` job and `backup create --upload`: copies sets (and optionally the artifact store) to the bucket.
///
/// Idempotent: an object already there with the same size and sha256 is skipped, so a job that failed halfway is
/// simply run again. Each set's files go first, then its signature, and its manifest last, so a set in the bucket with a manifest is
/// complete. Every upload is checked afterwards with a HEAD (size, and sha256 where the store records it); large files
/// go up in concurrent multipart chunks (``S3Store``).
package struct BackupUploader: Sendable {
    let environment: BackupEnvironment

    package init(_ environment: BackupEnvironment) {
        self.environment = environment
    }

    /// - Parameters:
    ///   - ids: the sets to upload; every complete local set when nil.
    ///   - artifacts: also mirror the local artifact store under `PREFIX/artifacts/`.
    package func upload(_ ids: [BackupSetID]? = nil, artifacts: Bool = false) async throws -> UploadReport {
        guard let remote = environment.remote else {
            throw BackupError(.refused, "no bucket is configured for backups: set S3_BUCKET (or AWS_S3_BACKUP_BUCKET) or NOMALY_BACKUP_S3")
        }
        var report = UploadReport()
        let sets = try BackupSets(environment).localSets().filter { ids?.contains($0.id) ?? true }
        if let ids, let missing = ids.first(where: { id in !sets.contains { $0.id == id } }) {
            throw BackupError(.notFound, "no complete backup set \(missing) in \(environment.directory)")
        }
        for set in sets {
            try Task.checkCancellation()
            var names = set.manifest.files.map { ($0.name, $0.size, Optional($0.sha256)) }
            // The signature before the manifest: a remote set with a manifest is complete, signature included.
            for name in [ManifestSignature.fileName, BackupManifest.fileName] where name == BackupManifest.fileName || set.isSigned {
                let digest = try FileDigest.ofSetFile(set.path + "/" + name)
                names.append((name, digest.size, digest.sha256))
            }
            for (name, size, sha256) in names {
                let key = remote.key(set.id, file: name)
                if try await put(set.path + "/" + name, key: key, size: size, sha256: sha256, remote: remote) {
                    report.uploaded.append(key)
                    report.bytesUploaded += size
                } else {
                    report.skipped += 1
                }
            }
            report.sets.append(set.id.value)
            let uri = remote.store.locationDescription.trimmingSuffix("/") + "/" + remote.key(set.id, file: "")
            try await BackupCatalog(pool: environment.pool).uploaded(set.id, remoteURI: uri)
        }
        if artifacts { try await mirrorArtifacts(remote, into: &report) }
        environment.logger.info(
            "backups uploaded",
            metadata: [
                "to": "\(remote.description)", "uploaded": "\(report.uploaded.count)", "skipped": "\(report.skipped)",
                "bytes": "\(report.bytesUploaded)",
            ]
        )
        return report
    }

    /// Content-addressed artifact keys never change, so they are mirrored once under `PREFIX/artifacts/`.
    private func mirrorArtifacts(_ remote: RemoteBackups, into report: inout UploadReport) async throws {
        guard let root = environment.localArtifactRoot else {
            environment.logger.info(
                "artifacts already live in an object store; not mirrored",
                metadata: ["store": "\(environment.artifacts.store.locationDescription)"]
            )
            return
        }
        for object in try await environment.artifacts.store.list(prefix: environment.artifacts.keyPrefix) {
            try Task.checkCancellation()
            let sha256 = environment.artifacts.sha256(ofKey: object.key)
            if try await put(root + "/" + object.key, key: remote.artifactPrefix + object.key, size: object.size, sha256: sha256, remote: remote) {
                report.artifactsUploaded += 1
                report.bytesUploaded += object.size
            } else {
                report.artifactsSkipped += 1
            }
        }
    }

    /// - Returns: false when an identical object was already there.
    private func put(_ path: String, key: String, size: Int64, sha256: String?, remote: RemoteBackups) async throws -> Bool {
        do {
            if let existing = try await remote.store.head(key: key), Self.same(existing, size: size, sha256: sha256) { return false }
            try await remote.store.put(file: path, key: key, progress: nil)
            guard let stored = try await remote.store.head(key: key), Self.same(stored, size: size, sha256: sha256) else {
                throw BackupError(.integrity, "uploaded \(key), but it is not there with \(size) bytes and sha256 \(sha256 ?? "?") afterwards")
            }
            return true
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError(.storage, "cannot upload \(path) to \(remote.store.locationDescription) as \(key): \(error)")
        }
    }

    /// The store's sha256 is compared when it recorded one (our uploads do); a foreign object without it is taken
    /// as equal by size only if no digest is known to compare.
    static func same(_ info: ObjectInfo, size: Int64, sha256: String?) -> Bool {
        guard info.size == size else { return false }
        guard let sha256 else { return true }
        return info.sha256 == sha256
    }
}

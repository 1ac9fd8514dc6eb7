import FileSystem
import Foundation
import Logging
import ObjectStore

/// A set ready to read: its local folder, or a private download of it from the bucket, with a manifest that
/// ``SetAuthenticator`` accepted.
struct FetchedSet {
    let manifest: BackupManifest
    let path: String
    /// Set for downloads: removed by ``cleanUp()``.
    let scratch: PrivateScratch?
    let fromRemote: Bool
    let authentication: SetAuthentication

    func cleanUp() { scratch?.remove() }

    /// The set and name each of its encrypted files must have been written as; nil for format-1 sets, whose files
    /// were not bound.
    func binding(of entry: BackupManifest.FileEntry) -> SetFileBinding? {
        manifest.format >= 2 ? SetFileBinding(setID: manifest.id.value, fileName: entry.name) : nil
    }
}

/// Finds a set locally, else in the bucket, and authenticates its manifest before anything else of it is read: a set
/// in the bucket is downloaded manifest and signature first, and its other files only once the manifest is accepted.
struct SetSource {
    let environment: BackupEnvironment

    init(_ environment: BackupEnvironment) {
        self.environment = environment
    }

    func fetch(_ id: BackupSetID, keys: BackupKeys, waivers: BackupWaivers) async throws -> FetchedSet {
        let local = environment.setPath(id)
        if FileManager.default.fileExists(atPath: local + "/" + BackupManifest.fileName) {
            let accepted = try await BlockingWork.run { try SetAuthenticator.authenticate(folder: local, expected: id, keys: keys, waivers: waivers) }
            return FetchedSet(manifest: accepted.manifest, path: local, scratch: nil, fromRemote: false, authentication: accepted.authentication)
        }
        guard let remote = environment.remote else {
            throw BackupError(.notFound, "no backup set \(id) in \(environment.directory) (and no bucket is configured to look in)")
        }
        let manifestKey = remote.key(id, file: BackupManifest.fileName)
        guard try await remote.store.head(key: manifestKey) != nil else {
            throw BackupError(.notFound, "no backup set \(id) in \(environment.directory) or \(remote.description)")
        }
        let scratch = try PrivateScratch(near: environment.directory)
        do {
            environment.logger.info("downloading backup set", metadata: ["id": "\(id)", "from": "\(remote.description)"])
            try await remote.store.get(key: manifestKey, to: scratch.path + "/" + BackupManifest.fileName, progress: nil)
            let signatureKey = remote.key(id, file: ManifestSignature.fileName)
            if try await remote.store.head(key: signatureKey) != nil {
                try await remote.store.get(key: signatureKey, to: scratch.path + "/" + ManifestSignature.fileName, progress: nil)
            }
            let accepted = try await BlockingWork.run {
                try SetAuthenticator.authenticate(folder: scratch.path, expected: id, keys: keys, waivers: waivers)
            }
            for file in accepted.manifest.files {
                try await remote.store.get(key: remote.key(id, file: file.name), to: scratch.path + "/" + file.name, progress: nil)
            }
            return FetchedSet(
                manifest: accepted.manifest,
                path: scratch.path,
                scratch: scratch,
                fromRemote: true,
                authentication: accepted.authentication
            )
        } catch let error as BackupError {
            scratch.remove()
            throw error
        } catch {
            scratch.remove()
            throw BackupError(.storage, "cannot download set \(id) from \(remote.description): \(error)")
        }
    }
}

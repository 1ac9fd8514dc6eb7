import Foundation
import Logging
import ObjectStore

/// A set ready to read: its local folder, or a private download of it from the bucket.
struct FetchedSet {
    let manifest: BackupManifest
    let path: String
    /// Set for downloads: removed by ``cleanUp()``.
    let scratch: PrivateScratch?
    let fromRemote: Bool

    func cleanUp() { scratch?.remove() }
}

/// Finds a set locally, else in the bucket, where it is downloaded (manifest first, then each file it lists).
struct SetSource {
    let environment: BackupEnvironment

    init(_ environment: BackupEnvironment) {
        self.environment = environment
    }

    func fetch(_ id: BackupSetID) async throws -> FetchedSet {
        if let local = try BackupCatalog(environment).localSet(id) {
            return FetchedSet(manifest: local.manifest, path: local.path, scratch: nil, fromRemote: false)
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
            let manifestPath = scratch.path + "/" + BackupManifest.fileName
            try await remote.store.get(key: manifestKey, to: manifestPath, progress: nil)
            let manifest = try BackupManifest.read(from: manifestPath)
            for file in manifest.files {
                try await remote.store.get(key: remote.key(id, file: file.name), to: scratch.path + "/" + file.name, progress: nil)
            }
            return FetchedSet(manifest: manifest, path: scratch.path, scratch: scratch, fromRemote: true)
        } catch let error as BackupError {
            scratch.remove()
            throw error
        } catch {
            scratch.remove()
            throw BackupError(.storage, "cannot download set \(id) from \(remote.description): \(error)")
        }
    }
}

import FileSystem
import Foundation
import Logging
import ObjectStore

/// A set ready to read: its local folder, or a private download of it from the bucket, with a manifest that
/// ``SetAuthenticator`` accepted.
struct FetchedSet: Sendable {
    /// How the set's files may be read so that what is used is what was checked.
    enum Reading: Sendable {
        /// A folder others may be able to write to (the backup folder): each file is copied into a
        /// ``PrivateScratch`` while it is hashed, and only the copy is used afterwards.
        case throughPrivateCopy
        /// Downloaded into a ``PrivateScratch`` and compared with the manifest as the bytes arrived.
        case checkedOnDownload
        /// The set being made, still hidden in its staging folder: hashed and used where it is. This check is for
        /// damage, not tampering; every later verify or restore of the set reads through a private copy.
        case inPlace
    }

    let manifest: BackupManifest
    /// The sha256 of the manifest bytes that were authenticated (the file is not read again).
    let manifestSHA256: String
    /// Where the files are read: the set's folder, or the private folder it was downloaded into.
    let path: String
    /// Where the set was found, for messages: its folder, or its prefix in the bucket.
    let origin: String
    let reading: Reading
    /// Set for downloads: removed by ``cleanUp()``.
    let scratch: PrivateScratch?
    let authentication: SetAuthentication

    var fromRemote: Bool { reading == .checkedOnDownload }

    func cleanUp() { scratch?.remove() }

    /// The set and name each of its encrypted files must have been written as; nil for format-1 sets, whose files
    /// were not bound.
    func binding(of entry: BackupManifest.FileEntry) -> SetFileBinding? {
        manifest.format >= 2 ? SetFileBinding(setID: manifest.id.value, fileName: entry.name) : nil
    }
}

/// Finds a set locally, else in the bucket, and authenticates its manifest before anything else of it is read: a set
/// in the bucket is downloaded manifest and signature first, and its other files only once the manifest is accepted.
/// No read is unbounded: the manifest and the signature are refused past their size limits, and each file past the
/// size its manifest entry gives it.
struct SetSource {
    let environment: BackupEnvironment

    init(_ environment: BackupEnvironment) {
        self.environment = environment
    }

    func fetch(_ id: BackupSetID, keys: BackupKeys, waivers: BackupWaivers) async throws -> FetchedSet {
        let local = environment.setPath(id)
        if FileManager.default.fileExists(atPath: local + "/" + BackupManifest.fileName) {
            let accepted = try await BlockingWork.run { try SetAuthenticator.authenticate(folder: local, expected: id, keys: keys, waivers: waivers) }
            try await environment.hooks.afterAuthentication?(local)
            return FetchedSet(
                manifest: accepted.manifest,
                manifestSHA256: accepted.sha256,
                path: local,
                origin: local,
                reading: .throughPrivateCopy,
                scratch: nil,
                authentication: accepted.authentication
            )
        }
        guard let remote = environment.remote else {
            throw BackupError(.notFound, "no backup set \(id) in \(environment.directory) (and no bucket is configured to look in)")
        }
        let download = RemoteSetFiles(remote: remote, id: id)
        guard try await remote.store.head(key: download.key(BackupManifest.fileName)) != nil else {
            throw BackupError(.notFound, "no backup set \(id) in \(environment.directory) or \(remote.description)")
        }
        let scratch = try PrivateScratch(near: environment.directory)
        do {
            environment.logger.info("downloading backup set", metadata: ["id": "\(id)", "from": "\(remote.description)"])
            let manifest = try await download.small(BackupManifest.fileName, limit: BackupManifest.maximumSize, what: "bytes a manifest may have")
            let signature = try await download.small(
                ManifestSignature.fileName,
                limit: ManifestSignature.maximumSize,
                what: "bytes a signature may have"
            )
            guard let manifest else { throw BackupError(.notFound, "\(download.location(BackupManifest.fileName)) disappeared during the download") }
            let accepted = try SetAuthenticator.authenticate(manifest: manifest, signature: signature, expected: id, keys: keys, waivers: waivers)
            try scratch.requireSpace(accepted.manifest.totalSize, for: "downloading set \(id)")
            for entry in accepted.manifest.files {
                try await download.file(entry, into: scratch.path + "/" + entry.name)
            }
            return FetchedSet(
                manifest: accepted.manifest,
                manifestSHA256: SetAuthenticator.sha256(manifest),
                path: scratch.path,
                origin: download.location(""),
                reading: .checkedOnDownload,
                scratch: scratch,
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

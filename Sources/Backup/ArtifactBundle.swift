import Archive
import FileSystem
import Foundation
import Logging
import ObjectStore
import Postgres

/// The models part of a set: every artifact a live version references, bundled as `models.tar.gz` when the artifacts
/// are in a local folder, or only listed (key, sha256, size) when they already live in an object store off this
/// machine, which a per-night copy would only duplicate.
struct ArtifactBundle {
    let environment: BackupEnvironment

    static let fileName = "models.tar.gz"

    /// Live artifacts, one entry per distinct sha256, with the versions using each.
    func liveObjects() async throws -> [BackupManifest.ArtifactObject] {
        try await environment.artifacts.liveObjects()
    }

    /// Writes `models.tar.gz` into the set folder (when the store is local) and describes the artifacts.
    func write(
        into folder: String,
        setID: BackupSetID,
        key: EncryptionKey?
    ) async throws -> (facts: BackupManifest.ArtifactFacts, file: BackupManifest.FileEntry?) {
        let objects = try await liveObjects()
        guard let root = environment.localArtifactRoot else {
            return (.init(mode: "referenced", store: environment.artifacts.store.locationDescription, objects: objects), nil)
        }
        let facts = BackupManifest.ArtifactFacts(mode: "bundled", store: root, objects: objects)
        let inputs = objects.map { ArchiveInput(name: $0.key, source: root + "/" + $0.key) }
        for input in inputs where !FileManager.default.fileExists(atPath: input.source) {
            throw BackupError(.storage, "artifact \(input.source) is referenced by a live version but missing from the store")
        }
        // Artifacts are gzip already: level 1 spends no time recompressing what will not shrink.
        var options = ArchiveCreateOptions()
        options.compressionLevel = 1
        let destination = folder + "/" + Self.fileName
        guard let key else {
            let summary = try await TarGz.create(files: inputs, output: destination, options: options)
            return (facts, .init(name: Self.fileName, size: summary.compressedBytes, sha256: summary.sha256))
        }
        // Beside the backups (0700), not in a shared /tmp, and removed at once.
        let scratch = try PrivateScratch(near: environment.directory)
        defer { scratch.remove() }
        let plain = scratch.path + "/" + Self.fileName
        try await TarGz.create(files: inputs, output: plain, options: options)
        let file = try await BlockingWork.run {
            try SetFileWriter.copy(from: plain, name: Self.fileName, setID: setID, destination: destination, key: key)
        }
        return (facts, file)
    }
}

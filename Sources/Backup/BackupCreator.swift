import FileSystem
package import Foundation
import Logging

/// `nomaly backup create` and the `backup` job: makes a set, records it, and verifies it.
///
/// The set is assembled in a hidden folder beside its final place (`.ID.partial-…`) and renamed into place only once
/// every file and the manifest are written, so a failure (pg_dump's exit status, a full disk, a cancelled job) leaves
/// no half-written set: only a `failed` row with the reason.
package struct BackupCreator: Sendable {
    package struct Options: Sendable {
        package var scope: BackupScope
        /// Verify right after creating (hashes and a full read of the dump); retention relies on verified sets.
        package var verify: Bool

        package init(scope: BackupScope = .full, verify: Bool = true) {
            self.scope = scope
            self.verify = verify
        }
    }

    let environment: BackupEnvironment

    package init(_ environment: BackupEnvironment) {
        self.environment = environment
    }

    /// - Returns: the new set's manifest.
    /// - Throws: ``BackupError`` (or the database's error) after recording the attempt as failed.
    @discardableResult
    package func create(_ options: Options, now: @Sendable () -> Date = Date.init) async throws -> BackupManifest {
        let id = try await freshID(now: now)
        let catalog = BackupCatalog(pool: environment.pool)
        let finalPath = environment.setPath(id)
        try await catalog.started(id, scope: options.scope, location: finalPath)
        let started = Date()
        let staging = environment.directory + "/." + id.value + ".partial-" + UUID().uuidString.prefix(8)
        // Everything after the row is written fails into it: a key file that holds no key or a backup folder that
        // cannot be made is a failed backup like a failed pg_dump, counted by `nomaly_backup_failures_24h`.
        do {
            let keys = try environment.keys()
            try FileManager.default.createDirectory(
                atPath: environment.directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            let manifest = try await assemble(id: id, scope: options.scope, in: staging, key: keys.encryption, started: started)
            let manifestData = try manifest.encoded()
            if let signer = keys.signer {
                let signature = try ManifestSignature(signing: manifestData, with: signer.key, setting: signer.setting).encoded()
                try Self.write(signature, to: staging + "/" + ManifestSignature.fileName)
            }
            let manifestSHA256 = try Self.write(manifestData, to: staging + "/" + BackupManifest.fileName)
            // Verified while still hidden, the way verify and restore will read it: a set that fails its check never
            // appears as a complete set.
            if options.verify {
                let scratch = try PrivateScratch(near: environment.directory)
                defer { scratch.remove() }
                let accepted = try await BlockingWork.run {
                    try SetAuthenticator.authenticate(folder: staging, expected: id, keys: keys, waivers: .none)
                }
                let staged = FetchedSet(
                    manifest: accepted.manifest,
                    manifestSHA256: accepted.sha256,
                    path: staging,
                    origin: staging,
                    reading: .inPlace,
                    scratch: nil,
                    authentication: accepted.authentication
                )
                _ = try await BackupVerifier(environment).verify(staged, keys: keys, restoreTest: false, scratch: scratch)
            }
            guard rename(staging, finalPath) == 0 else {
                throw BackupError(.storage, "cannot move \(staging) to \(finalPath): \(String(cString: strerror(errno)))")
            }
            do {
                try await catalog.succeeded(manifest, manifestSHA256: manifestSHA256)
                if options.verify { try await catalog.verified(id) }
            } catch {
                // Without its row the set must not look complete either: hide it again.
                _ = rename(finalPath, environment.directory + "/." + id.value + ".failed-" + UUID().uuidString.prefix(8))
                throw error
            }
            environment.logger.info(
                "backup created",
                metadata: [
                    "id": "\(id)", "kind": "\(options.scope.rawValue)", "bytes": "\(manifest.totalSize)", "path": "\(finalPath)",
                    "verified": "\(options.verify)",
                ]
            )
            return manifest
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            let reason = error is CancellationError ? "cancelled" : "\(error)"
            await catalog.failed(id, error: reason)
            environment.logger.error("backup failed", metadata: ["id": "\(id)", "error": "\(reason)"])
            throw error
        }
    }

    private func assemble(id: BackupSetID, scope: BackupScope, in folder: String, key: EncryptionKey?, started: Date) async throws -> BackupManifest {
        var files: [BackupManifest.FileEntry] = []
        var postgres: BackupManifest.PostgresFacts?
        var rowCounts: [BackupManifest.TableRows] = []
        var artifacts: BackupManifest.ArtifactFacts?
        if scope.includesDatabase {
            let dump = DatabaseDump(
                source: environment.source,
                binDirectory: environment.binDirectory,
                toolsCache: environment.tools,
                logger: environment.logger
            )
            let outcome = try await dump.write(to: folder + "/" + DatabaseDump.fileName, setID: id, key: key)
            files.append(outcome.file)
            postgres = outcome.facts
            rowCounts = outcome.rowCounts
        }
        if scope.includesModels {
            let bundle = try await ArtifactBundle(environment: environment).write(into: folder, setID: id, key: key)
            artifacts = bundle.facts
            if let file = bundle.file { files.append(file) }
        }
        return BackupManifest(
            format: BackupManifest.currentFormat,
            id: id,
            kind: scope,
            createdAt: started,
            finishedAt: Date(),
            nomalyVersion: environment.nomalyVersion,
            postgres: postgres,
            encryption: key.map { .init(algorithm: "AES-256-GCM", chunkSize: ChunkEncryptor.defaultChunkSize, keyId: $0.id) },
            files: files,
            rowCounts: rowCounts,
            artifacts: artifacts
        )
    }

    /// Writes a small file of the set durably. - Returns: its sha256.
    @discardableResult
    private static func write(_ data: Data, to path: String) throws -> String {
        let file = try AtomicFile(destination: path)
        try data.withUnsafeBytes { try file.write($0) }
        guard let sha256 = try file.commit() else { throw BackupError(.storage, "\(path) was written without its digest") }
        return sha256
    }

    /// The id for now, waiting for the next second when a set (or a failed attempt) already has this one: ids are
    /// the guide's second-precision timestamps, and two backups started in the same second must not collide.
    private func freshID(now: @Sendable () -> Date) async throws -> BackupSetID {
        let taken = Set(try await BackupCatalog(pool: environment.pool).records().map(\.id))
        while true {
            let id = BackupSetID(date: now())
            let exists = FileManager.default.fileExists(atPath: environment.setPath(id))
            if !exists && !taken.contains(id.value) { return id }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

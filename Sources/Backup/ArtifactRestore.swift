import Archive
import Crypto
import FileSystem
import Foundation
import Logging
import ObjectStore

/// Puts a set's artifacts back.
///
/// - A bundled set restoring into a local store is extracted beside the store folder, every artifact is checked against
///   its sha256, then the store folder is moved aside as `FOLDER.backup.YYYYMMDD_HHMMSS` (the guide's
///   `models.backup.*`) and the extraction renamed into its place: readers see the old folder or the new one.
/// - A bundled set restoring into an object store uploads each artifact (content-addressed keys: present ones are
///   skipped).
/// - A set that only listed its artifacts (they lived in an object store) checks that every one is still there.
struct ArtifactRestore {
    let environment: BackupEnvironment

    /// Artifacts extracted and checked beside the store, ready to be swapped in.
    struct Staged {
        let folder: String
        let count: Int
    }

    /// Extracts and checks a bundled set beside a local store, before anything is replaced; nil when the set or the
    /// store is not of that kind (``restore(manifest:bundle:staged:)`` then does all the work).
    func stage(manifest: BackupManifest, bundle: String?) async throws -> Staged? {
        guard let bundle, let root = environment.localArtifactRoot else { return nil }
        let objects = manifest.artifacts?.objects ?? []
        let parent = URL(fileURLWithPath: root).deletingLastPathComponent().path
        let staging = parent + "/." + URL(fileURLWithPath: root).lastPathComponent + ".restoring-" + UUID().uuidString.prefix(8)
        do {
            try await TarGz.extract(bundle, into: staging, limits: environment.archiveLimits)
            try await BlockingWork.run { try Self.checkDigests(objects, in: staging) }
            return Staged(folder: staging, count: objects.count)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    func discard(_ staged: Staged?) {
        if let staged { try? FileManager.default.removeItem(atPath: staged.folder) }
    }

    func restore(manifest: BackupManifest, bundle: String?, staged: Staged?) async throws -> (count: Int, movedTo: String?) {
        let objects = manifest.artifacts?.objects ?? []
        if let staged, let root = environment.localArtifactRoot { return try await swap(staged, into: root) }
        guard let bundle else {
            var missing: [String] = []
            for object in objects where try await !environment.artifacts.exists(sha256: object.sha256, size: object.size) {
                missing.append(object.key)
            }
            guard missing.isEmpty else {
                throw BackupError(
                    .integrity,
                    "set \(manifest.id) lists artifacts that are no longer in \(environment.artifacts.store.locationDescription): "
                        + missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
                )
            }
            return (objects.count, nil)
        }
        return (try await upload(bundle: bundle, objects: objects), nil)
    }

    private func swap(_ staged: Staged, into root: String) async throws -> (count: Int, movedTo: String?) {
        do {
            var movedTo: String?
            if FileManager.default.fileExists(atPath: root) {
                movedTo = try Self.moveAside(root, at: Date())
            }
            guard rename(staged.folder, root) == 0 else {
                let reason = String(cString: strerror(errno))
                if let movedTo { _ = rename(movedTo, root) }
                throw BackupError(.storage, "cannot move the restored artifacts into \(root): \(reason)")
            }
            let carried = try await carryOver(from: movedTo, into: root)
            environment.logger.notice(
                "restore: artifacts replaced",
                metadata: ["count": "\(staged.count)", "carried_over": "\(carried)", "previous": "\(movedTo ?? "none")"]
            )
            return (staged.count, movedTo)
        } catch {
            discard(staged)
            throw error
        }
    }

    /// Artifacts that live versions use but the set lacks (registered after the backup, in a models-only restore) are
    /// linked back from the replaced folder, so no live version is left without its artifact.
    /// - Returns: how many were carried over.
    private func carryOver(from aside: String?, into root: String) async throws -> Int {
        guard let aside else { return 0 }
        var carried = 0
        for object in try await ArtifactBundle(environment: environment).liveObjects() {
            let target = root + "/" + object.key
            let source = aside + "/" + object.key
            guard !FileManager.default.fileExists(atPath: target), FileManager.default.fileExists(atPath: source) else { continue }
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: target).deletingLastPathComponent().path,
                withIntermediateDirectories: true
            )
            if link(source, target) != 0 { try FileManager.default.copyItem(atPath: source, toPath: target) }
            carried += 1
        }
        return carried
    }

    private func upload(bundle: String, objects: [BackupManifest.ArtifactObject]) async throws -> Int {
        let scratch = try PrivateScratch(near: environment.directory)
        defer { scratch.remove() }
        let folder = scratch.path + "/artifacts"
        try await TarGz.extract(bundle, into: folder, limits: environment.archiveLimits)
        try await BlockingWork.run { try Self.checkDigests(objects, in: folder) }
        for object in objects {
            try await environment.artifacts.store(file: folder + "/" + object.key, sha256: object.sha256, size: object.size)
        }
        return objects.count
    }

    /// Blocking.
    static func checkDigests(_ objects: [BackupManifest.ArtifactObject], in folder: String) throws {
        for object in objects {
            let digest = try FileDigest.ofSetFile(folder + "/" + object.key)
            guard digest.sha256 == object.sha256, digest.size == object.size else {
                throw BackupError(.integrity, "artifact \(object.key) in the set has sha256 \(digest.sha256), expected \(object.sha256)")
            }
        }
    }
}

extension ArtifactRestore {
    /// Moves `root` to the first free `ROOT.backup.YYYYMMDD_HHMMSS[-N]` and returns that path. The suffix matters: the
    /// artifacts are swapped after the database restore has committed, so a second restore within the same second
    /// must not fail here and leave the database restored without its artifacts.
    static func moveAside(_ root: String, at date: Date) throws -> String {
        let base = root + ".backup." + BackupSetID(date: date).value
        for attempt in 1...1000 {
            let aside = attempt == 1 ? base : "\(base)-\(attempt)"
            // rename(2) would replace an empty folder of that name: look first.
            if FileManager.default.fileExists(atPath: aside) { continue }
            if rename(root, aside) == 0 { return aside }
            if errno == EEXIST || errno == ENOTEMPTY { continue }
            throw BackupError(.storage, "cannot move \(root) aside to \(aside): \(String(cString: strerror(errno)))")
        }
        throw BackupError(.storage, "cannot move \(root) aside: 1000 folders named \(base)[-N] already exist")
    }
}

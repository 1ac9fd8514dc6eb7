import Foundation

/// A folder only this process can change, for the copies of a set's files that verify and restore read (decrypted,
/// downloaded, or copied while hashed), made beside the backups so that its space comes from the same file system.
///
/// Its own name is not enough to reach it safely: it sits in `NOMALY_BACKUP_DIR`, and whoever can write there (the
/// attacker a signed set is meant to stop) can rename the folder away and put one of their own under its name, even
/// though they cannot look inside ours. So the folder is held open and reached through that descriptor: ``path`` is
/// `/proc/self/fd/N`, which always leads to the folder created here, whatever its name has become. Child processes
/// cannot follow it (their `/proc/self` is their own), so they get files as open descriptors instead
/// (``PostgresTools/run(_:environment:input:what:)``).
///
/// ```swift
/// let scratch = try PrivateScratch(near: environment.directory)
/// defer { scratch.remove() }
/// try copy(to: scratch.path + "/database.dump")
/// ```
final class PrivateScratch: Sendable {
    /// Where to read and write inside the folder, in this process: `/proc/self/fd/N`.
    let path: String
    /// The folder's name when it was made, for messages (`NOMALY_BACKUP_DIR/.nomaly-scratch-…`); never opened again
    /// except to remove the folder.
    let location: String
    private let descriptor: Int32

    /// - Throws: ``BackupError`` `.storage` when the folder cannot be made, or `.integrity` when what is found under
    ///   its name right after is not the empty 0700 folder of this user just made.
    init(near base: String? = nil) throws {
        let parent = base ?? NSTemporaryDirectory()
        var template = Array((parent.trimmingSuffix("/") + "/.nomaly-scratch-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw BackupError(.storage, "cannot create a private folder in \(parent): \(String(cString: strerror(errno)))")
        }
        location = String(cString: created)
        descriptor = open(location, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BackupError(.storage, "cannot open the private folder \(location): \(String(cString: strerror(errno)))")
        }
        path = "/proc/self/fd/\(descriptor)"
        do {
            try checkOwnership()
        } catch {
            // Only the folder made here is removed (remove() checks); deinit, which still runs for a class whose init
            // throws once every property is set, closes the descriptor.
            remove()
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Between mkdtemp and open, the name could have been given to another folder: only an empty folder of ours that
    /// nobody else may enter is accepted. And `/proc` must lead back to it.
    private func checkOwnership() throws(BackupError) {
        var opened = stat()
        guard fstat(descriptor, &opened) == 0 else {
            throw BackupError(.storage, "cannot inspect the private folder \(location): \(String(cString: strerror(errno)))")
        }
        var reached = stat()
        guard stat(path, &reached) == 0, reached.st_dev == opened.st_dev, reached.st_ino == opened.st_ino else {
            throw BackupError(
                .storage,
                "cannot reach the private folder \(location) through \(path): checking and restoring backups needs /proc mounted"
            )
        }
        let empty = (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true
        guard opened.st_uid == geteuid(), opened.st_mode & 0o077 == 0, empty else {
            throw BackupError(
                .integrity,
                "\(location) was replaced right after it was made (it is not the empty 0700 folder of this user just made): "
                    + "someone else can write to \(URL(fileURLWithPath: location).deletingLastPathComponent().path)"
            )
        }
    }

    /// Refuses up front a copy that would fill the file system half-way through.
    /// - Parameter purpose: what needs the space, for the message: `checking set 20261203_010000`.
    func requireSpace(_ bytes: Int64, for purpose: String) throws(BackupError) {
        var info = statvfs()
        guard bytes > 0, fstatvfs(descriptor, &info) == 0 else { return }
        let available = Int64(info.f_bavail) * Int64(info.f_frsize)
        guard available < bytes else { return }
        throw BackupError(
            .storage,
            "\(purpose) needs \(bytes) bytes free beside the backups (\(location)), for private copies of the set's files that "
                + "nobody else can change between their check and their use; that file system has \(available) bytes free"
        )
    }

    /// Removes what is inside through the descriptor, then the folder itself if its name still leads to it.
    func remove() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            try? FileManager.default.removeItem(atPath: path + "/" + name)
        }
        var opened = stat()
        var named = stat()
        guard fstat(descriptor, &opened) == 0, lstat(location, &named) == 0, named.st_dev == opened.st_dev, named.st_ino == opened.st_ino
        else { return }
        rmdir(location)
    }
}

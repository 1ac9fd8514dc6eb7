import Foundation

/// An open folder that files are opened and created relative to, by descriptor.
///
/// A path is looked up again each time it is used: between a check of where it leads and the `open` that follows,
/// anyone who can write to a folder on the way can swap a subfolder for a symbolic link to somewhere else. Opening the
/// trusted folder once and everything else beneath it, with no symbolic link and no `..` allowed in the rest, leaves
/// nothing to swap: `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` where the kernel has it (Linux 5.6+), otherwise
/// one component at a time with `O_NOFOLLOW`, which refuses the same paths.
///
/// ```swift
/// let scoring = try DirectoryHandle(path: "/var/lib/nomaly/scoring")
/// let input = try scoring.openFile(beneath: "2026-12-03/payments.csv")          // a descriptor, read-only
/// let outputs = try scoring.folder(beneath: "2026-12-03/out", creating: true)   // for an AtomicFile
/// ```
///
/// Invariant: the descriptor is open from `init` to `deinit`; every method is blocking and may be called from any one
/// thread at a time.
package final class DirectoryHandle: @unchecked Sendable {
    /// The folder's path when it was opened, for messages and for the paths of what lies beneath.
    package let path: String
    /// `O_RDONLY | O_DIRECTORY`: readable, so it can also be flushed after a rename into it.
    package let descriptor: Int32

    /// How to open beneath the folder.
    package enum Resolution: Sendable {
        /// `openat2` where the kernel allows it, the component walk otherwise.
        case automatic
        /// Always the component walk (for tests of the fallback).
        case componentWalk
    }

    /// Opens the folder at `path`, following symbolic links in it: the caller trusts this path (a setting).
    /// - Throws: ``FileSystemError`` with the system's reason.
    package init(path: String) throws(FileSystemError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError("cannot open the folder \(path)") }
        self.path = path
        self.descriptor = descriptor
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The path of `relative` beneath this folder, for messages.
    package func pathOf(_ relative: String) -> String {
        relative.isEmpty ? path : (path == "/" ? "" : path) + "/" + relative
    }

    /// Opens the regular file `relative` for reading. A FIFO or a device is refused rather than read (opening a FIFO
    /// would wait for a writer).
    /// - Returns: the descriptor, owned by the caller.
    /// - Throws: ``FileSystemError``: `ELOOP` for a symbolic link on the way, `EXDEV` for `..` or an absolute path,
    ///   `EINVAL` for something other than a regular file, or what open(2) said.
    package func openFile(beneath relative: String, resolution: Resolution = .automatic) throws(FileSystemError) -> Int32 {
        let components = try Self.components(relative, of: pathOf(relative))
        guard let name = components.last else { throw FileSystemError("cannot open \(path) as a file", code: EISDIR, reason: "it is a folder") }
        let flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        var descriptor: Int32 = -1
        if resolution == .automatic {
            descriptor = SystemCalls.openat2(
                self.descriptor,
                components.joined(separator: "/"),
                flags: flags,
                resolve: SystemCalls.resolveBeneath | SystemCalls.resolveNoSymlinks
            )
            if descriptor < 0 && errno != ENOSYS && errno != EPERM { throw Self.openError(pathOf(relative)) }
        }
        if descriptor < 0 {
            let folder = try walk(Array(components.dropLast()), creating: false)
            descriptor = openat(folder.descriptor, name, flags | O_NOFOLLOW)
            guard descriptor >= 0 else { throw Self.openError(pathOf(relative)) }
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw FileSystemError("cannot read \(pathOf(relative))", code: EINVAL, reason: "it is not a regular file")
        }
        return descriptor
    }

    /// Opens the folder `relative` beneath this one (`""`: this folder again), creating missing folders on the way when
    /// asked, each one with `mkdirat` and opened with `O_NOFOLLOW`.
    /// - Throws: ``FileSystemError`` as ``openFile(beneath:resolution:)``, `ENOENT` for a missing folder when not
    ///   creating.
    package func folder(beneath relative: String, creating: Bool) throws(FileSystemError) -> DirectoryHandle {
        try walk(try Self.components(relative, of: pathOf(relative)), creating: creating)
    }

    /// One component at a time: a symbolic link anywhere fails with `ELOOP`, since each step opens a single name with
    /// `O_NOFOLLOW`.
    private func walk(_ components: [String], creating: Bool) throws(FileSystemError) -> DirectoryHandle {
        var current = DirectoryHandle(path: path, descriptor: dup(descriptor))
        guard current.descriptor >= 0 else { throw FileSystemError("cannot open the folder \(path)") }
        for component in components {
            let next = current.pathOf(component)
            var opened = openat(current.descriptor, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if opened < 0 && errno == ENOENT && creating {
                guard mkdirat(current.descriptor, component, 0o755) == 0 || errno == EEXIST else {
                    throw FileSystemError("cannot create the folder \(next)")
                }
                opened = openat(current.descriptor, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if opened < 0 && errno == ENOTDIR {
                // O_DIRECTORY is judged before O_NOFOLLOW: a link to a folder reads as "not a folder". Say what it is.
                var status = stat()
                if fstatat(current.descriptor, component, &status, AT_SYMLINK_NOFOLLOW) == 0 && status.st_mode & S_IFMT == S_IFLNK { errno = ELOOP }
            }
            guard opened >= 0 else { throw Self.openError(next) }
            current = DirectoryHandle(path: next, descriptor: opened)
        }
        return current
    }

    /// The parts of a relative path; `.` and empty parts dropped, `..` and absolute paths refused as `openat2` with
    /// `RESOLVE_BENEATH` would refuse an escape (the walk cannot tell a harmless `..` from one that leaves).
    private static func components(_ relative: String, of full: String) throws(FileSystemError) -> [String] {
        let parts = relative.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard relative.utf8.first != UInt8(ascii: "/"), !relative.utf8.contains(0), !parts.contains(where: { $0.elementsEqual("..".utf8) }) else {
            throw FileSystemError("cannot open \(full)", code: EXDEV, reason: "the path must stay beneath its folder, without '..'")
        }
        return parts.filter { !$0.isEmpty && !$0.elementsEqual(".".utf8) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The error of a failed open, `errno` read now, with the reasons this type adds spelled out.
    private static func openError(_ path: String) -> FileSystemError {
        let code = errno
        switch code {
        case ELOOP: return FileSystemError("cannot open \(path)", code: code, reason: "a symbolic link is in the way, and none is followed here")
        case EXDEV: return FileSystemError("cannot open \(path)", code: code, reason: "it leads outside its folder")
        default: return FileSystemError("cannot open \(path)", code: code)
        }
    }
}

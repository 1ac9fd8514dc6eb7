import Crypto
import Foundation

/// A file written beside its destination and renamed into place only when complete.
///
/// Readers of `destination` see the old file or the whole new one; a failure leaves at most a hidden
/// `.NAME.nomaly-tmp-…` file, which ``discard()`` (call it on every failure path; `deinit` does too) removes.
/// The content's sha256 is computed while writing when asked for.
///
/// The temporary file, the final rename and the flush all happen relative to the open destination folder, never by
/// path again: once the folder is open, swapping a folder on the way for a symbolic link changes nothing.
///
/// ```swift
/// let file = try AtomicFile(destination: "/var/lib/nomaly/artifacts/ab/abcd.tar.gz")
/// try file.write(bytes)
/// let sha256 = try file.commit()
/// ```
///
/// Invariant: one user at a time; every method is blocking.
package final class AtomicFile {
    /// The destination's path, for messages.
    package let destination: String
    /// The folder the file lands in, open.
    package let folder: DirectoryHandle
    /// The destination's name within ``folder``.
    package let name: String
    private let temporaryName: String
    /// The open temporary file, for callers that write through their own code; -1 after commit or discard.
    package private(set) var descriptor: Int32
    package private(set) var bytesWritten: Int64 = 0
    private var hasher: SHA256?
    /// How ``commit(replacing:)`` places the file without replacing one; the system's calls except in tests.
    package var placement = ExclusivePlacement.system

    /// Temporary files carry this marker so that listings can skip them.
    package static let temporaryMarker = ".nomaly-tmp-"

    /// The temporary file's path, for messages.
    package var temporaryPath: String { folder.pathOf(temporaryName) }

    /// Creates the destination's folder if it is missing (following the path as given), then the temporary file in it.
    /// - Parameter hashing: compute the sha256 of what ``write(_:)`` receives.
    package convenience init(destination: String, hashing: Bool = true) throws(FileSystemError) {
        let url = URL(fileURLWithPath: destination)
        let directory = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FileSystemError("cannot create \(directory)", code: EACCES)
        }
        try self.init(in: try DirectoryHandle(path: directory), name: url.lastPathComponent, hashing: hashing)
    }

    /// Creates the temporary file in an open folder (``DirectoryHandle``), for a destination that must land exactly
    /// there however the folder's path changes meanwhile.
    /// - Parameter name: a single file name, no `/`.
    package init(in folder: DirectoryHandle, name: String, hashing: Bool = true) throws(FileSystemError) {
        guard !name.isEmpty, name != ".", name != "..", !name.utf8.contains(UInt8(ascii: "/")), !name.utf8.contains(0) else {
            throw FileSystemError("cannot create \(folder.pathOf(name))", code: EINVAL, reason: "a file name is needed")
        }
        self.folder = folder
        self.name = name
        destination = folder.pathOf(name)
        temporaryName = "." + name + Self.temporaryMarker + UUID().uuidString.prefix(8)
        descriptor = openat(folder.descriptor, temporaryName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystemError("cannot create \(folder.pathOf(temporaryName))") }
        hasher = hashing ? SHA256() : nil
    }

    deinit { discard() }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        hasher?.update(bufferPointer: bytes)
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("cannot write \(temporaryPath)")
            }
            offset += written
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Flushes to disk and renames into place; afterwards the folder entry is flushed too, so the new name
    /// survives a power cut.
    /// - Parameter replacing: false keeps an existing destination: the commit then fails with `EEXIST` and the
    ///   temporary file is removed. The check and the move are one step (``ExclusivePlacement``), so a file that
    ///   appears meanwhile is never replaced either.
    /// - Returns: the hex sha256 of what was written, when hashing.
    @discardableResult
    package func commit(replacing: Bool = true) throws(FileSystemError) -> String? {
        guard fsync(descriptor) == 0 else { throw FileSystemError("cannot flush \(temporaryPath)") }
        close(descriptor)
        descriptor = -1
        do throws(FileSystemError) {
            if replacing {
                guard renameat(folder.descriptor, temporaryName, folder.descriptor, name) == 0 else {
                    throw FileSystemError("cannot rename \(temporaryPath) to \(destination)")
                }
            } else {
                try placement.place(temporaryName, as: name, in: folder)
            }
        } catch {
            unlinkat(folder.descriptor, temporaryName, 0)
            throw error
        }
        fsync(folder.descriptor)
        return sha256Hex
    }

    /// Removes the temporary file. Safe to call more than once, and after `commit`.
    package func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlinkat(folder.descriptor, temporaryName, 0)
    }

    /// The hex sha256 of everything written so far, when hashing.
    package var sha256Hex: String? { hasher.map { $0.finalize().hexString } }
}

/// How a finished file takes its name without replacing one, in one step that a file appearing meanwhile cannot slip
/// through: `renameat2(RENAME_NOREPLACE)` first, which needs nothing but a rename (SMB/CIFS and FUSE mounts often have
/// no hard links); where the file system or the kernel has no such flag (NFS, older kernels and FUSE daemons:
/// `EINVAL`, `ENOSYS`), a hard link to the new name, which refuses an existing one, and the temporary name removed.
///
/// Only tests replace the calls, to stand for file systems this machine does not have.
package struct ExclusivePlacement: Sendable {
    /// renameat2(folder, from, folder, to, RENAME_NOREPLACE): 0, or -1 with `errno`.
    package var renameNoReplace: @Sendable (_ folder: Int32, _ from: String, _ to: String) -> Int32
    /// linkat(folder, from, folder, to, 0): 0, or -1 with `errno`.
    package var link: @Sendable (_ folder: Int32, _ from: String, _ to: String) -> Int32

    package init(
        renameNoReplace: @escaping @Sendable (Int32, String, String) -> Int32,
        link: @escaping @Sendable (Int32, String, String) -> Int32
    ) {
        self.renameNoReplace = renameNoReplace
        self.link = link
    }

    package static let system = ExclusivePlacement(
        renameNoReplace: { SystemCalls.renameat2($0, $1, $0, $2, SystemCalls.renameNoReplace) },
        link: { linkat($0, $1, $0, $2, 0) }
    )

    /// Gives the file `temporary` in `folder` the name `name`, unless something has it.
    /// - Throws: ``FileSystemError`` `EEXIST` when the name is taken; a message naming both calls when the file system
    ///   supports neither. The temporary file is left to the caller.
    func place(_ temporary: String, as name: String, in folder: DirectoryHandle) throws(FileSystemError) {
        if renameNoReplace(folder.descriptor, temporary, name) == 0 { return }
        let renameError = errno
        // EPERM too: a system-call filter that predates renameat2 answers so (systemd's SystemCallErrorNumber=EPERM).
        guard Self.isUnsupported(renameError) || renameError == EPERM else {
            throw FileSystemError("cannot create \(folder.pathOf(name))", code: renameError)
        }
        if link(folder.descriptor, temporary, name) == 0 {
            unlinkat(folder.descriptor, temporary, 0)
            return
        }
        let linkError = errno
        guard Self.isUnsupported(linkError) || linkError == EPERM else {
            throw FileSystemError("cannot create \(folder.pathOf(name))", code: linkError)
        }
        throw FileSystemError(
            "cannot create \(folder.pathOf(name)) without risking to replace a file that appears meanwhile",
            code: linkError,
            reason: "its file system supports neither renameat2(RENAME_NOREPLACE) (\(String(cString: strerror(renameError)))) "
                + "nor hard links (\(String(cString: strerror(linkError)))); allow replacing or write elsewhere"
        )
    }

    /// What a file system or kernel answers for a call or flag it does not have.
    static func isUnsupported(_ code: Int32) -> Bool {
        code == EINVAL || code == ENOSYS || code == EOPNOTSUPP || code == ENOTSUP
    }
}

extension Sequence<UInt8> {
    /// Lower-case hex, as sha256sum prints it.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

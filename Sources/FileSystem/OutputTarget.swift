import Foundation

/// What is at a path a user named as an output, which decides how it is written: the one rule every command and job
/// kind that writes such a file follows (through ``OutputFile``).
///
/// - Nothing there, or a regular file: a new file is written beside it and renamed into place when complete, so
///   readers see the old file or the whole new one. A symbolic link to a regular file is followed: its target is
///   replaced and the link stays.
/// - A character or block device, a FIFO, a socket, or one of the process's own descriptors (`/dev/stdout`,
///   `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`), directly or through a symbolic link: opened and written in place,
///   never renamed over or removed. Renaming a file over `/dev/null` (as root) would replace the device for every
///   program on the machine. Such an output holds no file that could be lost, so no-clobber rules (`overwrite: false`)
///   do not apply to it.
/// - A folder: refused, naming the path.
///
/// ```swift
/// switch try OutputTarget.inspect("/dev/null") {
/// case .inPlace(let kind): print("written in place: \(kind)")   // "a character device"
/// default: break
/// }
/// ```
package enum OutputTarget: Sendable, Equatable {
    /// Nothing at the path yet.
    case absent
    /// A regular file at `path`: the named path, or the target of the symbolic link it names.
    case regularFile(path: String)
    /// Written in place; `kind` says what it is, for messages ("a FIFO", "standard output").
    case inPlace(kind: String)
    /// A folder, which is refused.
    case folder

    /// Looks at `path` as it is now. Blocking.
    /// - Throws: ``FileSystemError`` for a symbolic link that leads nowhere, or what `stat(2)` said.
    package static func inspect(_ path: String) throws(FileSystemError) -> OutputTarget {
        if let descriptor = ownDescriptor(path) { return .inPlace(kind: describeDescriptor(descriptor)) }
        var link = stat()
        guard lstat(path, &link) == 0 else {
            if errno == ENOENT { return .absent }
            throw FileSystemError("cannot write \(path)")
        }
        var status = link
        let isLink = link.st_mode & S_IFMT == S_IFLNK
        if isLink, stat(path, &status) != 0 {
            let code = errno
            let reason = code == ENOENT ? "it is a symbolic link to a file that does not exist" : nil
            throw FileSystemError("cannot write \(path)", code: code, reason: reason)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            guard isLink else { return .regularFile(path: path) }
            guard let resolved = realpath(path, nil) else { throw FileSystemError("cannot resolve the symbolic link \(path)") }
            defer { free(resolved) }
            return .regularFile(path: String(cString: resolved))
        case S_IFDIR: return .folder
        default: return .inPlace(kind: describe(status.st_mode))
        }
    }

    /// Whether something is at the path that writing would replace: a regular file. What is written in place is not
    /// replaced, and a folder is refused.
    package var replacesAFile: Bool {
        if case .regularFile = self { return true }
        return false
    }

    /// Whether the output is opened and written where it is, without a temporary file beside it.
    package var isWrittenInPlace: Bool {
        if case .inPlace = self { return true }
        return false
    }

    /// The error for a folder named as an output.
    static func folderRefused(_ path: String) -> FileSystemError {
        FileSystemError("cannot write \(path)", code: EISDIR, reason: "it is a folder; name a file inside it")
    }

    /// The descriptor `path` names when it is one of this process's own (`/dev/stdout`, `/dev/fd/3`): written through
    /// a duplicate rather than opened again, since a socket (systemd's journal) cannot be opened by path and a regular
    /// file the shell redirected to must keep its offset.
    package static func ownDescriptor(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdin": return 0
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default: break
        }
        for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/\(getpid())/fd/"] where path.hasPrefix(prefix) {
            if let number = Int32(path.dropFirst(prefix.count)), number >= 0 { return number }
        }
        return nil
    }

    static func describeDescriptor(_ descriptor: Int32) -> String {
        switch descriptor {
        case 0: "standard input"
        case 1: "standard output"
        case 2: "standard error"
        default: "descriptor \(descriptor)"
        }
    }

    /// "a FIFO", "a character device"… for a mode that is neither a regular file nor a folder.
    static func describe(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "a special file"
        }
    }
}

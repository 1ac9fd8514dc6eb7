import Foundation

/// Lists a folder for archiving, refusing what an artifact must not contain.
enum DirectoryWalk {
    struct Entry: Equatable {
        /// Path inside the archive, without a trailing slash.
        let name: String
        /// The local file; nil for a folder.
        let source: String?
        let executable: Bool
    }

    /// Every file and folder below `root`, sorted by the bytes of their names.
    /// - Throws: for symlinks, devices, FIFOs and sockets, naming the path.
    static func entries(below root: String) throws -> [Entry] {
        var status = stat()
        guard stat(root, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw ArchiveError(code: .io, message: "\(root) is not a folder")
        }
        var found: [Entry] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? root : root + "/" + relative
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: folder)
            } catch {
                throw ArchiveError(code: .io, message: "cannot list \(folder): \(error.localizedDescription)")
            }
            for name in names {
                let path = relative.isEmpty ? name : relative + "/" + name
                let full = root + "/" + path
                guard lstat(full, &status) == 0 else { throw TarGzCreator.posixError("cannot stat \(full)", entry: path) }
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    found.append(Entry(name: path, source: nil, executable: false))
                    pending.append(path)
                case S_IFREG:
                    found.append(Entry(name: path, source: full, executable: status.st_mode & 0o111 != 0))
                case S_IFLNK:
                    throw ArchiveError(
                        code: .unsupportedEntry,
                        message: "\(full) is a symbolic link; archives hold regular files and folders only",
                        entry: path
                    )
                default:
                    throw ArchiveError(code: .unsupportedEntry, message: "\(full) is not a regular file or folder", entry: path)
                }
            }
        }
        return sorted(found)
    }

    /// Byte order of UTF-8 names, which unlike `String`'s `<` does not depend on Unicode normalisation.
    static func sorted(_ entries: [Entry]) -> [Entry] {
        entries.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    static func isExecutable(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & 0o111 != 0
    }
}

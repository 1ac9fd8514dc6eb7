/// The path rules every entry must pass before anything is written.
enum EntryPath {
    /// Returns the entry path in canonical form (`./a//b/` → `a/b`), or throws when it could escape the
    /// destination: absolute paths, `..` components, NUL bytes. Returns nil for the archive root itself (`./`).
    static func normalise(_ raw: String) throws -> String? {
        guard !raw.contains("\0") else {
            throw ArchiveError(code: .unsafeEntry, message: "entry '\(raw.debugDescription)' has a NUL byte in its path", entry: raw)
        }
        guard !raw.hasPrefix("/") else {
            throw ArchiveError(code: .unsafeEntry, message: "entry '\(raw)' has an absolute path", entry: raw)
        }
        var components: [Substring] = []
        for component in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                throw ArchiveError(code: .unsafeEntry, message: "entry '\(raw)' has a '..' component", entry: raw)
            }
            components.append(component)
        }
        guard !components.isEmpty else { return nil }
        return components.joined(separator: "/")
    }

    /// Resolves a symlink's target against the link's own folder, lexically; nil when it leaves the root.
    static func resolveLink(_ target: String, from linkPath: String) -> String? {
        guard !target.hasPrefix("/") else { return nil }
        var components = linkPath.split(separator: "/").dropLast().map(String.init)
        for component in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                guard !components.isEmpty else { return nil }
                components.removeLast()
            default: components.append(String(component))
            }
        }
        return components.joined(separator: "/")
    }

    /// Every proper prefix of a path: `a/b/c` → `a`, `a/b`.
    static func parents(of path: String) -> [String] {
        var parents: [String] = []
        var current = ""
        for component in path.split(separator: "/").dropLast() {
            current = current.isEmpty ? String(component) : current + "/" + component
            parents.append(current)
        }
        return parents
    }
}

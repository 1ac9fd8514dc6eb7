/// One member of a tar archive, as `nomaly archive list` shows it.
package struct ArchiveEntry: Sendable, Codable, Equatable {
    package enum Kind: String, Sendable, Codable {
        case file
        case directory
        case symlink
        case hardlink
        /// Devices, FIFOs, sockets: listed, never extracted.
        case other
    }

    package let path: String
    package let kind: Kind
    package let size: Int64
    /// Permission bits (`0o644`).
    package let mode: Int
    /// The target of a symlink or hardlink.
    package let linkTarget: String?

    package init(path: String, kind: Kind, size: Int64, mode: Int, linkTarget: String? = nil) {
        self.path = path
        self.kind = kind
        self.size = size
        self.mode = mode
        self.linkTarget = linkTarget
    }
}

/// What creating or extracting produced.
package struct ArchiveSummary: Sendable, Codable, Equatable {
    /// Hex sha256 of the compressed archive, equal to `sha256sum`'s.
    package let sha256: String
    package let compressedBytes: Int64
    package let uncompressedBytes: Int64
    package let entries: Int
}

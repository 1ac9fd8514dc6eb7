/// One member of a tar archive, as `nomaly archive list` shows it.
public struct ArchiveEntry: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case file
        case directory
        case symlink
        case hardlink
        /// Devices, FIFOs, sockets: listed, never extracted.
        case other
    }

    public let path: String
    public let kind: Kind
    public let size: Int64
    /// Permission bits (`0o644`).
    public let mode: Int
    /// The target of a symlink or hardlink.
    public let linkTarget: String?

    public init(path: String, kind: Kind, size: Int64, mode: Int, linkTarget: String? = nil) {
        self.path = path
        self.kind = kind
        self.size = size
        self.mode = mode
        self.linkTarget = linkTarget
    }
}

/// What creating or extracting produced.
public struct ArchiveSummary: Sendable, Codable, Equatable {
    /// Hex sha256 of the compressed archive, equal to `sha256sum`'s.
    public let sha256: String
    public let compressedBytes: Int64
    public let uncompressedBytes: Int64
    public let entries: Int
}

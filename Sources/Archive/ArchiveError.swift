/// Why an archive could not be created, read or extracted.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// An entry's path is absolute, has `..`, passes through a symlink, or a link points outside.
        public static let unsafeEntry = Code(name: "unsafe_entry")
        /// A device, FIFO, socket or other entry type artifacts never contain.
        public static let unsupportedEntry = Code(name: "unsupported_entry")
        /// Too many entries, an entry too large, too many bytes in all, or a suspicious compression ratio.
        public static let limitExceeded = Code(name: "limit_exceeded")
        /// Not a gzip-compressed tar, or damaged.
        public static let corrupt = Code(name: "corrupt")
        /// Reading or writing local files failed.
        public static let io = Code(name: "io")
        /// The destination exists and is not an empty folder.
        public static let destinationExists = Code(name: "destination_exists")
    }

    public let code: Code
    public let message: String
    /// The archive entry concerned, when there is one.
    public let entry: String?

    public init(code: Code, message: String, entry: String? = nil) {
        self.code = code
        self.message = message
        self.entry = entry
    }

    public var description: String { message }
}

/// Why an archive could not be created, read or extracted.
package struct ArchiveError: Error, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }
        /// An entry's path is absolute, has `..`, passes through a symlink, or a link points outside.
        package static let unsafeEntry = Code(name: "unsafe_entry")
        /// A device, FIFO, socket or other entry type artifacts never contain.
        package static let unsupportedEntry = Code(name: "unsupported_entry")
        /// Too many entries, an entry too large, too many bytes in all, or a suspicious compression ratio.
        package static let limitExceeded = Code(name: "limit_exceeded")
        /// Not a gzip-compressed tar, or damaged.
        package static let corrupt = Code(name: "corrupt")
        /// Reading or writing local files failed.
        package static let io = Code(name: "io")
        /// The destination exists and is not an empty folder.
        package static let destinationExists = Code(name: "destination_exists")
    }

    package let code: Code
    package let message: String
    /// The archive entry concerned, when there is one.
    package let entry: String?

    package init(code: Code, message: String, entry: String? = nil) {
        self.code = code
        self.message = message
        self.entry = entry
    }

    package var description: String { message }
}

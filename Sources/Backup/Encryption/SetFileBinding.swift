/// Which file of which set an encrypted file is: written into its header and bound into every chunk's tag, so a file
/// copied from another set, or renamed within one, is refused by name.
///
/// ```swift
/// let binding = SetFileBinding(setID: "20261203_010000", fileName: "database.dump")
/// let encryptor = try ChunkEncryptor(key: key, binding: binding) { bytes in try output.write(bytes) }
/// ```
package struct SetFileBinding: Sendable, Hashable, CustomStringConvertible {
    package let setID: String
    package let fileName: String

    /// - Precondition: neither part is empty or holds a NUL byte (set ids and set file names never do).
    package init(setID: String, fileName: String) {
        precondition(!setID.isEmpty && !fileName.isEmpty, "a binding needs a set id and a file name")
        precondition(!setID.utf8.contains(0) && !fileName.utf8.contains(0), "a binding cannot hold NUL bytes")
        self.setID = setID
        self.fileName = fileName
    }

    /// `set id | 0x00 | file name`, as the header stores it.
    var bytes: [UInt8] { Array(setID.utf8) + [0] + Array(fileName.utf8) }

    /// Parses what a header stores; nil unless it is two non-empty UTF-8 parts around one NUL.
    init?(bytes: some Collection<UInt8>) {
        let parts = Array(bytes).split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            let setID = String(validating: parts[0], as: UTF8.self),
            let fileName = String(validating: parts[1], as: UTF8.self)
        else { return nil }
        self.setID = setID
        self.fileName = fileName
    }

    /// `database.dump of set 20261203_010000`.
    package var description: String { "\(fileName) of set \(setID)" }
}

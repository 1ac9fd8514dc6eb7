import Foundation

/// Why a backup file could not be encrypted, decrypted or verified, or a key could not be loaded.
///
/// Messages never contain key material or plaintext: they name paths, key ids, chunk indexes and byte offsets.
///
/// ```swift
/// do {
///     _ = try EncryptedFile.verify(at: path, key: key)
/// } catch let error as EncryptionError where error.code == .wrongKey {
///     print(error)  // this file was encrypted with key 1f…; ENCRYPTION_KEY_FILE holds key 9c…
/// }
/// ```
package struct EncryptionError: Error, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }
        /// The key file is missing, unreadable, empty, or holds none of the accepted key forms.
        package static let keyFile = Code(name: "key_file")
        /// The file was encrypted with another key than the one given; both key ids are in the message.
        package static let wrongKey = Code(name: "wrong_key")
        /// The file was written as another file or for another set (its header names both), or its encryption format
        /// does not match its set's manifest format: it was copied from elsewhere.
        package static let misplaced = Code(name: "misplaced")
        /// A chunk failed authentication, the stream is truncated, or data follows the final record.
        package static let corrupt = Code(name: "corrupt")
        /// Not a Nomaly encrypted file, an unsupported format version, or a stream the format cannot represent.
        package static let format = Code(name: "format")
        /// Reading or writing local files failed.
        package static let io = Code(name: "io")
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }

    /// A failed system call on `path`, with the current `errno` reason: create it right after the call.
    static func system(_ action: String, _ path: String, code: Code = .io) -> EncryptionError {
        EncryptionError(code, "cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}

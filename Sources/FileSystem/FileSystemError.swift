import Foundation

/// A failed system call on a path, with the operating system's reason.
package struct FileSystemError: Error, Sendable, CustomStringConvertible {
    /// What was being done, with the path (`cannot create /var/lib/nomaly/x`).
    package let context: String
    /// The `errno` value.
    package let code: Int32
    /// Why, when the system's text for `code` would mislead (`ELOOP` reads "Too many levels of symbolic links" where
    /// a single link was refused on purpose).
    package let reason: String?

    /// Captures the current `errno`: create it right after the failing call.
    package init(_ context: String) {
        self.context = context
        code = errno
        reason = nil
    }

    package init(_ context: String, code: Int32, reason: String? = nil) {
        self.context = context
        self.code = code
        self.reason = reason
    }

    package var description: String { "\(context): \(reason ?? String(cString: strerror(code)))" }
}

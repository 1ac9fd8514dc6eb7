import Foundation

/// A failed system call on a path, with the operating system's reason.
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
    /// What was being done, with the path (`cannot create /var/lib/nomaly/x`).
    public let context: String
    /// The `errno` value.
    public let code: Int32

    /// Captures the current `errno`: create it right after the failing call.
    public init(_ context: String) {
        self.context = context
        code = errno
    }

    public init(_ context: String, code: Int32) {
        self.context = context
        self.code = code
    }

    public var description: String { "\(context): \(String(cString: strerror(code)))" }
}

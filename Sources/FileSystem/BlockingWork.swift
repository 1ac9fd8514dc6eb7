import Foundation

/// Long blocking work (compressing, extracting, hashing, training, scoring a file) on a thread of its own.
///
/// Not NIO's shared blocking pool: it has one thread per core, so a nightly training or a backup's extraction
/// would hold every thread for minutes and a model upload or a cold model load behind an API request would wait
/// for them. A thread per call costs microseconds next to work that takes milliseconds to hours.
///
/// ```swift
/// let summary = try await BlockingWork.run { try compress(input, output) }
/// ```
public enum BlockingWork {
    /// Detectors and libarchive recurse; match the 8 MiB main-thread stack rather than Foundation's default.
    static let stackSize = 8 << 20

    /// - Throws: what `body` throws; `CancellationError` when the task is already cancelled (running work is not
    ///   interrupted: callers check cancellation at their own safe points).
    public static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try Task.checkCancellation()
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.stackSize = stackSize
            thread.start()
        }
    }
}

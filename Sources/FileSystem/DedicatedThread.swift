import Foundation

/// Blocking work that gets a thread started for it alone, for as long as it runs: the one way to run work that must
/// neither hold a thread of the shared blocking pool nor queue for one.
///
/// Two kinds of work need it (docs/architecture.md, "Where blocking work runs"): a producer whose consumer may hold
/// blocking-pool threads (a streamed S3 download's GET, which waits for its reader whenever the buffer is full), and
/// the reader of a program that may run for hours and may call this very process (`ChildProcess.supervise`). Were
/// either queued behind pool threads that wait for it, neither would ever finish. Everything else uses
/// ``BlockingWork``.
///
/// ```swift
/// let status = try await DedicatedThread.run(named: "nomaly.child") { try child.wait() }
/// ```
package enum DedicatedThread {
    /// Runs `body` on a new thread named `name` and returns what it returns. Linux keeps a thread's name only when it
    /// has at most 15 bytes; a longer one is not set at all.
    ///
    /// Cancellation is the caller's business: `body` always runs (it may own something that must be cleaned up, such
    /// as a started child), so check `Task.isCancelled` before calling, and stop `body` through whatever it waits for.
    /// - Throws: what `body` throws.
    package static func run<Value: Sendable>(named name: String, _ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            start(named: name) { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Starts `body` on a new thread named `name` and returns at once: for a producer that feeds its consumer through
    /// a queue or a pipe and signals its own end (`GzipPipe`'s pump, `InflatingSource`, `ChunkPrefetcher`).
    package static func start(named name: String, _ body: @escaping @Sendable () -> Void) {
        // Linux drops a name of more than 15 bytes without a word; a name that never shows is a bug here, not there.
        precondition(name.utf8.count <= 15, "thread name \(name) is longer than Linux's 15 bytes")
        let thread = Thread {
            // Named from inside: on Linux, Foundation names a thread only when it names itself (a name given
            // before `start()` is not applied), and until issue 17 these threads carried their creator's name.
            Thread.current.name = name
            body()
        }
        thread.start()
    }
}

import NIOCore
package import NIOPosix
import Synchronization

/// Blocking work (file I/O, compressing, extracting, hashing, training, scoring a file, a program run to its end) on
/// the process's one bounded blocking pool, never on Swift's cooperative threads or an event loop.
///
/// The pool is NIO's singleton blocking pool, sized once at start by ``configure(threads:)`` from
/// `NOMALY_BLOCKING_THREADS` (docs/configuration.md); work beyond that many threads waits in line for one.
///
/// The one rule that keeps a bounded pool from deadlocking (docs/architecture.md, "Where blocking work runs"): work on
/// this pool never waits for other work that has yet to get a thread here. It may wait for the operating system, a
/// program, a server, S3 transfers (a pool of their own, which waits for nothing here), or a producer that has a
/// thread of its own (a pipe's pump, a download stream); work it splits up for this pool (`ParallelGzipWriter`'s
/// blocks) it does itself when no thread has taken it yet.
///
/// ```swift
/// let summary = try await BlockingWork.run { try compress(input, output) }
/// ```
package enum BlockingWork {
    /// The shared pool: ``run(_:)`` runs here, and so may work that splits itself into parts.
    package static var pool: NIOThreadPool { NIOThreadPool.singleton }

    private static let configured = Atomic<Bool>(false)

    /// Sizes the shared pool. Call it first thing, before anything used the pool (`nomaly` does when it reads its
    /// configuration); later calls do nothing.
    /// - Returns: whether this call set the size.
    @discardableResult
    package static func configure(threads: Int) -> Bool {
        precondition(threads > 0, "the blocking pool needs at least one thread")
        guard configured.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return false }
        NIOSingletons.blockingPoolThreadCountSuggestion = threads
        return true
    }

    /// Runs `body` on the shared pool. Blocking work only: `body` must not wait for other work on the pool that
    /// has not started (see the type's rule).
    /// - Throws: what `body` throws; `CancellationError` when the task is cancelled before `body` got a thread
    ///   (running work is not interrupted: callers check cancellation at their own safe points).
    package static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await run(on: pool, body)
    }

    /// Runs `body` on `pool` (a pool of a given size, in tests).
    package static func run<Value: Sendable>(on pool: NIOThreadPool, _ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try Task.checkCancellation()
        return try await pool.runIfActive(body)
    }
}

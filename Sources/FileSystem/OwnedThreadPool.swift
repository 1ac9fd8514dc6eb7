package import NIOPosix
import Synchronization

/// A thread pool of one component's own (a database pool's libpq threads, the S3 transfer threads), whose threads
/// start on first use and stop when the owner shuts it down.
///
/// Constructing one starts nothing, so a component that owns one can be built, passed around and dropped without
/// side effects; its threads live from its first blocking call until ``shutdown()``, which its owner calls at the
/// end of its `Service.run()` (or its `close()`, for callers without a service group). Nothing stops the threads
/// behind the owner's back: after ``shutdown()`` the pool does not start again, so no thread outlives it.
///
/// ```swift
/// let threads = OwnedThreadPool(threads: 5)
/// guard let pool = threads.started() else { throw ClosedError() }
/// let value = try await pool.runIfActive { blockingCall() }
/// await threads.shutdown()
/// ```
package final class OwnedThreadPool: Sendable {
    private enum State {
        case notStarted
        case running(NIOThreadPool)
        case shutDown
    }

    /// How many threads the pool has once started.
    package let threads: Int
    private let state = Mutex<State>(.notStarted)

    package init(threads: Int) {
        precondition(threads > 0, "a thread pool needs at least one thread")
        self.threads = threads
    }

    /// The pool, started by this call if it is the first use; nil once ``shutdown()`` was called.
    package func started() -> NIOThreadPool? {
        state.withLock { state in
            switch state {
            case .running(let pool):
                return pool
            case .shutDown:
                return nil
            case .notStarted:
                let pool = NIOThreadPool(numberOfThreads: threads)
                pool.start()
                state = .running(pool)
                return pool
            }
        }
    }

    /// Whether threads are running now: false before the first use and after ``shutdown()``.
    package var isRunning: Bool {
        state.withLock { state in
            if case .running = state { return true }
            return false
        }
    }

    /// Stops the threads once the work running on them has finished (work still waiting in line is not run), and
    /// keeps the pool from starting again. Calling it again, or on a pool never used, does nothing.
    package func shutdown() async {
        let running: NIOThreadPool? = state.withLock { state in
            defer { state = .shutDown }
            if case .running(let pool) = state { return pool }
            return nil
        }
        try? await running?.shutdownGracefully()
    }
}

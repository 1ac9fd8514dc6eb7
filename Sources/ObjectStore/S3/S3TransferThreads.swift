import FileSystem
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The blocking threads every ``S3Store``'s curl calls run on, one set for the whole process, started on the first
/// transfer and stopped by ``run()`` at graceful shutdown (or ``shutdown()``).
///
/// Not the shared blocking pool: work there waits for transfers (a streamed upload's writer for its parts,
/// `ObjectWriteStream`), so were the transfers queued on the same bounded pool, writers holding every thread would
/// wait for parts that never get one. Every call here ends on its own (curl gives up after its timeouts), and none
/// waits for anything else in the process, so any number of transfers may wait in line here without a deadlock; the
/// one transfer that waits for its reader, a streamed download's GET, runs on a thread of its own instead
/// (`FileSystem.DedicatedThread`). docs/architecture.md, "Where blocking work runs".
///
/// `nomaly serve` runs ``shared`` as a service of its group, which stops the threads after the HTTP servers and the
/// scheduler have finished their transfers; other commands leave them to the end of the process, as SwiftNIO's
/// singleton pools are.
///
/// ```swift
/// let store = S3Store(configuration: configuration, bucket: "backups", logger: logger)  // uses S3TransferThreads.shared
/// let group = ServiceGroup(configuration: .init(services: [S3TransferThreads.shared, server], logger: logger))
/// ```
package final class S3TransferThreads: Service, Sendable {
    /// The process's transfer threads, which every store uses unless it is given others. As many threads as the
    /// blocking pool, which bounds how much of the process can wait for a transfer at once, plus one upload's
    /// `S3_CONCURRENCY` parts (the first transfer's configuration: every store of a process reads the same settings).
    package static let shared = S3TransferThreads(threads: nil)

    private let size: Int?
    private let owned = Mutex<OwnedThreadPool?>(nil)

    /// - Parameter threads: how many threads; nil for the blocking pool's size plus the first transfer's
    ///   ``S3Configuration/concurrency``. Nothing starts until the first transfer.
    package init(threads: Int?) {
        precondition(threads.map { $0 > 0 } ?? true, "S3 transfers need at least one thread")
        size = threads
    }

    /// The threads for a transfer with `configuration`, started now if this is the first.
    /// - Throws: ``ObjectStoreError`` `.shutDown` once the threads have been shut down.
    func pool(for configuration: S3Configuration) throws(ObjectStoreError) -> NIOThreadPool {
        let threads = owned.withLock { owned in
            if let owned { return owned }
            let made = OwnedThreadPool(
                threads: size ?? NIOSingletons.blockingPoolThreadCountSuggestion + max(configuration.concurrency, 1)
            )
            owned = made
            return made
        }
        guard let pool = threads.started() else {
            throw ObjectStoreError(code: .shutDown, message: "the S3 transfer threads are shut down: the process is stopping")
        }
        return pool
    }

    /// Runs blocking `body` on these threads (what a reader that must hold one does, in tests).
    package func run<Value: Sendable>(
        for configuration: S3Configuration,
        _ body: @escaping @Sendable () throws -> Value
    ) async throws -> Value {
        try await pool(for: configuration).runIfActive(body)
    }

    /// Whether threads are running now: false before the first transfer and after ``shutdown()``.
    package var isRunning: Bool { owned.withLock { $0 }?.isRunning ?? false }

    /// Waits for graceful shutdown (or cancellation), then stops the threads.
    package func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops the threads once the transfers running on them have finished; later transfers fail. Calling it again,
    /// or before any transfer, does nothing but keep the threads from starting.
    package func shutdown() async {
        let threads = owned.withLock { owned in
            if owned == nil { owned = OwnedThreadPool(threads: 1) }
            return owned!
        }
        await threads.shutdown()
    }
}

import FileSystem
package import Logging
import NIOPosix
import ServiceLifecycle
import Units

/// A bounded pool of libpq connections, and the `Service` that owns them.
///
/// Every libpq call runs on the pool's own threads (one per connection, plus one), never on a SwiftNIO
/// event loop or Swift's cooperative pool. The threads start with the first connection, not with the pool, so making
/// a pool has no side effect; they stop when ``run()`` ends or ``close()`` is called, which a command without a
/// service group does itself. A connection that the server closed (a restart, a failover,
/// `pg_terminate_backend`) is noticed when it is next lent out and replaced by a fresh one.
///
/// ```swift
/// let pool = PostgresPool(configuration: .init(connectionString: url), logger: logger)
/// let names = try await pool.query("SELECT name FROM jobs WHERE paused = $1", [false]).decode(String.self)
/// ```
package final class PostgresPool: Service, Sendable {
    package let configuration: PostgresConfiguration
    let logger: Logger
    private let threads: OwnedThreadPool
    private let state: PoolState

    package init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        threads = OwnedThreadPool(threads: configuration.maximumConnections + 1)
        state = PoolState(maximum: configuration.maximumConnections)
    }

    /// Lends a connection to `body` and takes it back afterwards, whether `body` returned or threw.
    ///
    /// - Throws: ``PostgresError`` `.poolExhausted` when no connection became free within the acquire
    ///   timeout, `.connectionFailed` when a new one could not be opened, or whatever `body` threw.
    package func withConnection<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection = try await lease()
        return try await withAsyncCleanup {
            try await body(connection)
        } cleanup: {
            await giveBack(connection)
        }
    }

    /// Runs one parameterised statement on any free connection. See ``PostgresConnection/query(_:_:)``.
    @discardableResult
    package func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresRows {
        try await withConnection { try await $0.query(sql, parameters) }
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    package func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await withConnection { try await $0.execute(sql, parameters) }
    }

    /// Connections open now, lent out and idle, for metrics and `/ready`.
    package func statistics() async -> PoolStatistics {
        await state.statistics
    }

    /// Whether the pool's threads are running: not before the first connection, nor after ``close()``.
    package var threadsAreRunning: Bool { threads.isRunning }

    // MARK: Service

    /// Closes idle connections past ``PostgresConfiguration/idleTimeout`` until graceful shutdown, then closes the pool.
    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(15))
                let expired = await self.state.takeExpiredIdle(olderThan: self.configuration.idleTimeout)
                if !expired.isEmpty { self.logger.debug("closed idle database connections", metadata: ["count": "\(expired.count)"]) }
            }
        }
        await close()
    }

    /// Fails waiters, closes idle connections and stops the pool's threads. Connections still lent out are
    /// closed when they come back.
    package func close() async {
        // Dropping the idle connections runs their deinit, which sends the server a Terminate message.
        _ = await state.close()
        await threads.shutdown()
    }

    // MARK: Leasing

    private func lease() async throws -> PostgresConnection {
        let deadline = ContinuousClock.now + configuration.acquireTimeout
        while true {
            switch try await state.take(deadline: deadline) {
            case .idle(let connection):
                let usable = (try? await connection.threadPool.runIfActive { connection.blockingIsUsable() }) ?? false
                if usable { return connection }
                logger.info("replacing a broken database connection")
                await state.discard()
            case .openSlot:
                do {
                    // A lease that raced `close()` past the state finds the threads stopped: the pool is shut down.
                    guard let threadPool = threads.started() else {
                        throw PostgresError(code: .poolClosed, message: "the database pool is shut down")
                    }
                    return try await PostgresConnection.connect(configuration: configuration, threadPool: threadPool, logger: logger)
                } catch {
                    await state.discard()
                    throw error
                }
            }
        }
    }

    private func giveBack(_ connection: PostgresConnection) async {
        if connection.isBroken || !connection.isIdle {
            // A broken connection, or one left inside a transaction, is never lent to the next borrower.
            await state.discard()
        } else {
            connection.idleSince = .now
            await state.put(connection)
        }
    }
}

/// A snapshot of the pool's size.
package struct PoolStatistics: Sendable, Equatable {
    package var open: Int
    package var idle: Int
    package var waiting: Int
    package var maximum: Int
    /// Seconds callers have spent waiting for a connection since the pool was made, summed over callers and
    /// counted when each wait ends: its rate is the average number of callers waiting, which a sample of `waiting`
    /// cannot tell.
    package var waitedSeconds: Double = 0
}

/// The pool's bookkeeping: which connections are idle, how many exist, who is waiting.
/// No I/O happens here; opening and checking connections is done by the caller outside the actor.
actor PoolState {
    enum Lease {
        case idle(PostgresConnection)
        /// A slot was reserved for the caller, who must open a connection or ``discard()`` the slot.
        case openSlot
    }

    private let maximum: Int
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var closed = false
    private var waiters: [(id: Int, continuation: CheckedContinuation<Lease, any Error>)] = []
    private var nextWaiterID = 0
    private var waited: Duration = .zero

    init(maximum: Int) {
        self.maximum = maximum
    }

    var statistics: PoolStatistics {
        PoolStatistics(
            open: open,
            idle: idle.count,
            waiting: waiters.count,
            maximum: maximum,
            waitedSeconds: waited.inSeconds
        )
    }

    func take(deadline: ContinuousClock.Instant) async throws -> Lease {
        if closed { throw PostgresError(code: .poolClosed, message: "the database pool is shut down") }
        if let connection = idle.popLast() { return .idle(connection) }
        if open < maximum {
            open += 1
            return .openSlot
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timeout = Task {
            try await Task.sleep(until: deadline)
            self.expire(
                id,
                error: PostgresError(
                    code: .poolExhausted,
                    message: "no database connection became free within the acquire timeout; all \(maximum) are in use "
                        + "(raise NOMALY_DB_POOL_SIZE or NOMALY_DB_ACQUIRE_TIMEOUT, or look for long-running statements)"
                )
            )
        }
        let started = ContinuousClock.now
        defer {
            timeout.cancel()
            waited += ContinuousClock.now - started
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.expire(id, error: CancellationError()) }
        }
    }

    func put(_ connection: PostgresConnection) {
        if closed {
            open -= 1
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: .idle(connection))
        } else {
            idle.append(connection)
        }
    }

    /// Forgets a connection (or an unused slot); a waiter, if any, gets the slot to open a new one.
    func discard() {
        if !closed, !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: .openSlot)
        } else {
            open -= 1
        }
    }

    func takeExpiredIdle(olderThan limit: Duration) -> [PostgresConnection] {
        let now = ContinuousClock.now
        let expired = idle.filter { now - $0.idleSince > limit }
        idle.removeAll { now - $0.idleSince > limit }
        open -= expired.count
        return expired
    }

    func close() -> [PostgresConnection] {
        closed = true
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed, message: "the database pool is shut down"))
        }
        waiters.removeAll()
        let connections = idle
        open -= idle.count
        idle.removeAll()
        return connections
    }

    private func expire(_ id: Int, error: any Error) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }
}

internal import CPostgres
import Foundation
import Logging
import NIOPosix

/// A notification delivered by `NOTIFY channel, 'payload'` (or `pg_notify`).
package struct PostgresNotification: Sendable, Equatable {
    package let channel: String
    package let payload: String
    /// The server process that sent it.
    package let senderPID: Int32
}

/// A dedicated connection that LISTENs on channels and delivers notifications as an async sequence.
///
/// It reconnects by itself with backoff when the server goes away; notifications sent while it was
/// disconnected are lost (as with any LISTEN), so treat them as hints and poll for the truth.
///
/// ```swift
/// let listener = try await pool.listen(to: ["nomaly_runs"])
/// for try await notification in listener.notifications { … }
/// ```
package final class PostgresListener: Sendable {
    /// Finishes when ``stop()`` is called or the consuming task is cancelled.
    package let notifications: AsyncStream<PostgresNotification>
    private let task: Task<Void, Never>

    init(configuration: PostgresConfiguration, channels: [String], logger: Logger) async throws {
        // One thread of its own: waiting on the socket must not take a thread from the query pool.
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let first: PostgresConnection
        do {
            first = try await Self.open(configuration: configuration, channels: channels, threadPool: threadPool, logger: logger)
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
        let (stream, continuation) = AsyncStream<PostgresNotification>.makeStream()
        notifications = stream
        task = Task {
            await Self.deliver(
                from: first,
                configuration: configuration,
                channels: channels,
                threadPool: threadPool,
                logger: logger,
                to: continuation
            )
            continuation.finish()
            try? await threadPool.shutdownGracefully()
        }
        continuation.onTermination = { [task] _ in task.cancel() }
    }

    /// Stops listening and closes the connection.
    package func stop() {
        task.cancel()
    }

    private static func open(
        configuration: PostgresConfiguration,
        channels: [String],
        threadPool: NIOThreadPool,
        logger: Logger
    ) async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(configuration: configuration, threadPool: threadPool, logger: logger)
        for channel in channels {
            try await connection.execute("LISTEN \(quotePostgresIdentifier(channel))")
        }
        return connection
    }

    private static func deliver(
        from first: PostgresConnection,
        configuration: PostgresConfiguration,
        channels: [String],
        threadPool: NIOThreadPool,
        logger: Logger,
        to continuation: AsyncStream<PostgresNotification>.Continuation
    ) async {
        var connection: PostgresConnection? = first
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            guard let current = connection else {
                do {
                    try await Task.sleep(for: backoff)
                    connection = try await open(configuration: configuration, channels: channels, threadPool: threadPool, logger: logger)
                    logger.info("listening again after reconnecting", metadata: ["channels": "\(channels.joined(separator: ","))"])
                    backoff = .milliseconds(100)
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("cannot reconnect listener", metadata: ["error": "\(error)"])
                    backoff = min(backoff * 2, .seconds(10))
                }
                continue
            }
            let received = try? await threadPool.runIfActive { try current.blockingWaitForNotifications(timeoutMilliseconds: 250) }
            guard let received else {
                logger.warning("listener lost its database connection; reconnecting", metadata: ["channels": "\(channels.joined(separator: ","))"])
                connection = nil
                continue
            }
            for notification in received { continuation.yield(notification) }
        }
    }
}

extension PostgresConnection {
    /// Waits up to the timeout for input, then drains pending notifications. Blocking.
    /// - Throws: when the connection is lost.
    func blockingWaitForNotifications(timeoutMilliseconds: Int32) throws -> [PostgresNotification] {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw connectionError(query: nil) }
        _ = poll(&descriptor, 1, timeoutMilliseconds)
        guard PQconsumeInput(handle) == 1, !isBroken else { throw connectionError(query: nil) }
        var received: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            received.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: String(cString: notify.pointee.extra),
                    senderPID: notify.pointee.be_pid
                )
            )
            PQfreemem(notify)
        }
        return received
    }
}

extension PostgresPool {
    /// Starts listening; notifications sent after this returns are delivered.
    /// The listener uses its own connection, outside the pool's limit.
    package func listen(to channels: [String]) async throws -> PostgresListener {
        try await PostgresListener(configuration: configuration, channels: channels, logger: logger)
    }

    /// Sends a notification; listeners receive it when the surrounding transaction (if any) commits.
    package func notify(_ channel: String, payload: String = "") async throws {
        try await execute("SELECT pg_notify($1, $2)", [channel, payload])
    }
}

package import Logging
import Postgres
import ServiceLifecycle

/// Runs beside the HTTP server in `nomaly serve`: drops a token from this replica's ``TokenCache`` as soon as any
/// replica (or `nomaly tokens revoke`) revokes it.
package struct TokenRevocationListener: Service {
    let tokens: TokenStore
    let logger: Logger
    let retryDelay: Duration
    let onListening: @Sendable () -> Void

    /// - Parameters:
    ///   - retryDelay: the pause before listening again after the connection was lost.
    ///   - onListening: called each time listening starts (tests wait for it).
    package init(
        tokens: TokenStore,
        logger: Logger,
        retryDelay: Duration = .seconds(5),
        onListening: @escaping @Sendable () -> Void = {}
    ) {
        self.tokens = tokens
        self.logger = logger
        self.retryDelay = retryDelay
        self.onListening = onListening
    }

    package func run() async throws {
        // Listening may fail while the database is away; the cache's lifetime then bounds how long a revoked token
        // keeps working, and the next attempt starts clean.
        while !Task.isCancelledOrShuttingDown {
            do {
                let listener = try await tokens.pool.listen(to: [TokenStore.revocationChannel])
                // Revocations made before this point were not heard: trust nothing remembered from then.
                tokens.cache.invalidateAll()
                onListening()
                await withTaskCancellationOrGracefulShutdownHandler {
                    for await notification in listener.notifications {
                        tokens.cache.invalidate(name: notification.payload)
                    }
                } onCancelOrGracefulShutdown: {
                    listener.stop()
                }
            } catch {
                logger.warning("cannot listen for token revocations; retrying", metadata: ["error": "\(error)"])
            }
            tokens.cache.invalidateAll()
            // A shutdown ends the pause too: an idle `serve` stops at once, not after it.
            guard !Task.isCancelledOrShuttingDown else { return }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: retryDelay) }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { isCancelled || isShuttingDownGracefully }
}

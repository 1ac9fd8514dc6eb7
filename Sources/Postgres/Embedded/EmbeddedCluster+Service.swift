import ServiceLifecycle

extension EmbeddedCluster: Service {
    /// Keeps this process registered as a user of the started cluster until graceful shutdown (or cancellation),
    /// then ``stop()``s: the cluster's use ends with `run()`. Listed first in a `ServiceGroup`, it stops after the
    /// pools that connect to it. Start the cluster before the group: the pools need its connection string.
    package func run() async throws {
        try? await gracefulShutdown()
        await stop()
    }
}

public import Hummingbird
public import Logging

/// Builds the HTTP side of `nomaly serve`. Later issues add the admin API and scoring routes here.
public enum AdminServer {
    public typealias App = Application<RouterResponder<BasicRequestContext>>

    /// The router, separate from the server so tests can drive it with `app.test(.router)`.
    public static func router(version: String, probes: [ReadinessProbe]) -> Router<BasicRequestContext> {
        let router = Router()
        router.addHealthRoutes(version: version, probes: probes)
        return router
    }

    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public static func application(
        host: String,
        port: Int,
        version: String,
        probes: [ReadinessProbe],
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> App {
        Application(
            router: router(version: version, probes: probes),
            configuration: .init(address: .hostname(host, port: port), serverName: "nomaly/\(version)"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}

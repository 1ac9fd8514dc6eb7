import Hummingbird
package import Logging
import NIOCore
package import ObjectStore
package import ServiceLifecycle

extension AdminServer {
    /// The HTTP side of `nomaly serve` as services for its `ServiceGroup`: the API with `/metrics` on the same port, or,
    /// when `NOMALY_METRICS_PORT` is set, the API and a second server on that port that answers only `/metrics`.
    ///
    /// A port of its own is what lets a NetworkPolicy or a firewall allow only Prometheus to read the metrics: such rules
    /// see ports, not paths, and the API's port must be open to the ingress. Requests to either port are counted in
    /// `http_requests_total`.
    /// - Parameter onListening: called with the API's bound port once it accepts connections.
    /// - Throws: when `NOMALY_TLS_CERT` or `NOMALY_TLS_KEY` cannot be loaded.
    package static func services(
        host: String,
        port: Int,
        version: String,
        probes: [ReadinessProbe],
        api: APIDependencies?,
        metrics: MetricsEndpoint,
        settings: HTTPSettings,
        scoring: ScoringSettings = ScoringSettings(),
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> [any Service] {
        // With a port of its own, /metrics is not answered here, but every request is still counted.
        let app = try application(
            host: host,
            port: port,
            version: version,
            probes: probes,
            api: api,
            settings: settings,
            metrics: settings.metricsPort == nil ? nil : metrics.metrics,
            scoring: scoring,
            logger: logger,
            onListening: onListening
        )
        guard let metricsPort = settings.metricsPort else { return [app.withMetrics(metrics)] }
        // Everything but GET /metrics is a JSON 404 here.
        let empty = Router(context: NomalyRequestContext.self)
        empty.add(middleware: JSONErrorMiddleware())
        let metricsApp = Application(
            router: empty,
            server: try server(settings),
            configuration: .init(address: .hostname(host, port: metricsPort), serverName: "nomaly/\(version)"),
            onServerRunning: { channel in
                logger.info("metrics are served", metadata: ["address": "\(host):\(channel.localAddress?.port ?? metricsPort)", "path": "/metrics"])
            },
            logger: logger
        )
        return [app, metricsApp.withMetrics(metrics)]
    }
}

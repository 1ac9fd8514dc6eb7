public import Hummingbird
public import Observability
public import Postgres

/// `GET /metrics`: runs the collectors (pool sizes, process metrics), then answers the registry in the
/// Prometheus text exposition format.
///
/// ```swift
/// let registry = NomalyMetrics.bootstrap()
/// let endpoint = MetricsEndpoint(registry: registry, collectors: [.process(registry: registry)])
/// let response = await endpoint.response()
/// ```
public struct MetricsEndpoint: Sendable {
    /// The content type Prometheus expects from a text exposition.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    public static let path = "/metrics"

    public let metrics: HTTPMetrics
    public let collectors: [MetricsCollector]

    public init(registry: HTTPMetrics.Registry, collectors: [MetricsCollector] = []) {
        metrics = HTTPMetrics(registry: registry)
        self.collectors = collectors
    }

    /// The process's registry (bootstrapping swift-metrics on first use) with the process collector and, given a
    /// pool, the database pool collector: what `nomaly serve` exposes.
    public static func standard(pool: PostgresPool?) -> MetricsEndpoint {
        let registry = NomalyMetrics.bootstrap()
        var collectors: [MetricsCollector] = [.process(registry: registry)]
        if let pool { collectors.append(.databasePool(pool, registry: registry)) }
        return MetricsEndpoint(registry: registry, collectors: collectors)
    }

    /// The registry's current text exposition, without running the collectors.
    public var exposition: String { NomalyMetrics.exposition(of: metrics.registry) }

    /// Runs every collector concurrently, updating the gauges they own.
    public func collect() async {
        await withTaskGroup(of: Void.self) { group in
            for collector in collectors { group.addTask { await collector.collect() } }
        }
    }

    /// Samples every collector, then renders the registry.
    public func response() async -> Response {
        await collect()
        let text = NomalyMetrics.exposition(of: metrics.registry)
        return Response(
            status: .ok,
            headers: [.contentType: Self.contentType],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}

extension Router {
    /// Adds `GET /metrics` answering `endpoint`. Add it before any authentication middleware: Prometheus scrapes
    /// without credentials.
    public func addMetricsRoutes(_ endpoint: MetricsEndpoint) {
        get(RouterPath(MetricsEndpoint.path)) { _, _ in await endpoint.response() }
    }
}

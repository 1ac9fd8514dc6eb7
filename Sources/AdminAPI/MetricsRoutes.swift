public import Hummingbird
public import Observability
public import Postgres
public import Prometheus
public import Registry
import Scheduler

/// `GET /metrics`: runs the collectors (pool sizes, process metrics), then answers the registry in the
/// Prometheus text exposition format. Served ahead of the router by ``Hummingbird/ApplicationProtocol/withMetrics(_:)``,
/// so it checks its own token (``authorize(_:)``) when `NOMALY_METRICS_REQUIRE_TOKEN` is on.
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
    /// Set when `NOMALY_METRICS_REQUIRE_TOKEN` is on: scrapes need a live token of any role.
    public let tokens: TokenStore?

    public init(registry: HTTPMetrics.Registry, collectors: [MetricsCollector] = [], tokens: TokenStore? = nil) {
        metrics = HTTPMetrics(registry: registry)
        self.collectors = collectors
        self.tokens = tokens
    }

    /// The process's registry (bootstrapping swift-metrics on first use) with the process collector and, given a
    /// pool, the database pool, backup, job and readiness collectors, and given a registry, the model collector: what
    /// `nomaly serve` exposes. `probes` are the ones `/ready` runs, exported as `nomaly_ready_check{check}`.
    public static func standard(
        pool: PostgresPool?,
        registry modelRegistry: ModelRegistry? = nil,
        probes: [ReadinessProbe] = [],
        tokens: TokenStore? = nil
    ) -> MetricsEndpoint {
        let registry = NomalyMetrics.bootstrap()
        var collectors: [MetricsCollector] = [.process(registry: registry)]
        if let pool {
            collectors += [
                .databasePool(pool, registry: registry), .backups(pool, registry: registry), .jobs(RunStore(pool: pool), metrics: registry),
            ]
        }
        if let modelRegistry { collectors.append(.modelRegistry(modelRegistry, metrics: registry)) }
        if !probes.isEmpty { collectors.append(.readiness(probes, metrics: registry)) }
        return MetricsEndpoint(registry: registry, collectors: collectors, tokens: tokens)
    }

    /// 401 unless the request carries a live token, when scrapes need one.
    func authorize(_ request: Request) async throws {
        guard let tokens else { return }
        guard let token = BearerAuthMiddleware.bearerToken(request), try await tokens.authenticate(token) != nil else {
            throw APIError(.unauthorized, code: "unauthorized", "/metrics needs a bearer token (NOMALY_METRICS_REQUIRE_TOKEN is on)")
        }
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

import HTTPTypes
package import Hummingbird
package import Observability
package import Postgres
import Prometheus
package import Registry
import Scheduler
import Units

/// `GET /metrics`: runs the collectors (pool sizes, process metrics), then answers the registry in the
/// Prometheus text exposition format. Served ahead of the router by ``Hummingbird/ApplicationProtocol/withMetrics(_:)``,
/// so when `NOMALY_METRICS_REQUIRE_TOKEN` is on it passes the API's ``TokenGate`` itself (``authorize(_:context:)``):
/// the same lockout and rate limits, by the same client address.
///
/// ```swift
/// let registry = NomalyMetrics.bootstrap()
/// let endpoint = MetricsEndpoint(registry: registry, collectors: [.process(registry: registry)])
/// let response = await endpoint.response()
/// ```
package struct MetricsEndpoint: Sendable {
    /// The content type Prometheus expects from a text exposition.
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    package static let path = "/metrics"

    package let metrics: HTTPMetrics
    package let collectors: [MetricsCollector]
    /// Set when `NOMALY_METRICS_REQUIRE_TOKEN` is on: scrapes need a live token of any role, through the API's gate.
    package let gate: TokenGate?
    /// `NOMALY_TRUSTED_PROXIES`: the router's ``ForwardedClientMiddleware`` does not see `/metrics`, so the endpoint
    /// finds the client behind a proxy itself.
    let clients: ForwardedClientMiddleware?

    /// How long a scrape waits for the collectors; below Prometheus's default 10 s scrape timeout.
    package let collectionTimeout: Duration
    private let flight = SingleFlight<Void>()

    package init(
        registry: HTTPMetrics.Registry,
        collectors: [MetricsCollector] = [],
        gate: TokenGate? = nil,
        trustedProxies: [IPNetwork] = [],
        collectionTimeout: Duration = .seconds(8)
    ) {
        metrics = HTTPMetrics(registry: registry)
        self.collectors = collectors
        self.gate = gate
        clients = trustedProxies.isEmpty ? nil : ForwardedClientMiddleware(trustedProxies: trustedProxies)
        self.collectionTimeout = collectionTimeout
    }

    /// The process's registry (bootstrapping swift-metrics on first use) with the process collector, then `others`
    /// (collectors of other modules, on the same registry: `nomaly serve` passes Maintenance's database pool and
    /// backup collectors), then, given a pool, the job and readiness collectors, and given a registry, the model
    /// collector: what `nomaly serve` exposes. `probes` are the ones `/ready` runs, exported as
    /// `nomaly_ready_check{check}`.
    package static func standard(
        pool: PostgresPool?,
        registry modelRegistry: ModelRegistry? = nil,
        probes: [ReadinessProbe] = [],
        collectors others: [MetricsCollector] = [],
        gate: TokenGate? = nil,
        trustedProxies: [IPNetwork] = []
    ) -> MetricsEndpoint {
        let registry = NomalyMetrics.bootstrap()
        var collectors: [MetricsCollector] = [.process(registry: registry)] + others
        if let pool { collectors.append(.jobs(RunStore(pool: pool), metrics: registry)) }
        if let modelRegistry { collectors.append(.modelRegistry(modelRegistry, metrics: registry)) }
        if !probes.isEmpty { collectors.append(.readiness(probes, metrics: registry)) }
        return MetricsEndpoint(registry: registry, collectors: collectors, gate: gate, trustedProxies: trustedProxies)
    }

    /// When scrapes need a token: 401 without a live one, 429 for a locked-out or rate-limited client, as on the API.
    /// - Throws: ``APIError`` only (outside the router no error middleware maps other errors).
    func authorize<Context: RequestContext>(_ request: Request, context: Context) async throws {
        guard let gate else { return }
        let peer = (context as? NomalyRequestContext)?.remoteAddress
        let address = peer.map { clients?.clientAddress(of: request, peer: $0) ?? $0 } ?? "unknown"
        do {
            _ = try await gate.authenticate(request, address: address)
        } catch let error as APIError where error.status == .unauthorized {
            throw APIError(
                .unauthorized,
                code: error.code,
                "/metrics needs a live bearer token (NOMALY_METRICS_REQUIRE_TOKEN is on): \(error.message)"
            )
        } catch {
            throw APIError.from(error)
        }
    }

    /// The scrape timeout Prometheus sends with every scrape (`X-Prometheus-Scrape-Timeout-Seconds`), when it is a
    /// positive number of seconds.
    package static func scrapeTimeout(of request: Request) -> Duration? {
        guard
            let name = HTTPField.Name("X-Prometheus-Scrape-Timeout-Seconds"), let text = request.headers[name],
            let seconds = Double(text), seconds.isFinite, seconds > 0
        else { return nil }
        return Duration(secondsRoundedToMilliseconds: min(seconds, 3_600))
    }

    /// The registry's current text exposition, without running the collectors.
    package var exposition: String { NomalyMetrics.exposition(of: metrics.registry) }

    /// Runs every collector concurrently, updating the gauges they own. A call arriving while a collection runs
    /// waits for that one instead of piling another on a struggling database.
    package func collect() async {
        let collectors = collectors
        await flight.join {
            await withTaskGroup(of: Void.self) { group in
                for collector in collectors { group.addTask { await collector.collect() } }
            }
        }.value
    }

    /// Samples every collector for at most `collectionTimeout`, then renders the registry: a scrape answers in time,
    /// with the values it has, even when the database hangs.
    /// - Parameter scrapeTimeout: how long the scraper waits (Prometheus says so in a header); collection stops
    ///   half a second earlier, so a slow database yields the previous values instead of a failed scrape (which
    ///   would read as the replica being down and reset every pending alert).
    package func response(scrapeTimeout: Duration? = nil) async -> Response {
        var wait = collectionTimeout
        if let scrapeTimeout { wait = min(wait, max(scrapeTimeout - .milliseconds(500), scrapeTimeout / 2)) }
        _ = await result(within: wait) { await collect() }
        let text = NomalyMetrics.exposition(of: metrics.registry)
        return Response(
            status: .ok,
            headers: [.contentType: Self.contentType],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}

public import Hummingbird
// Types the wrapped application forwards (HTTPServerBuilder, Channel, EventLoopGroup, Service) come from
// Hummingbird's own dependencies.
public import HummingbirdCore
public import Logging
public import NIOCore
public import Observability
public import ServiceLifecycle

/// Records `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,route}` for every
/// request that passes through it.
///
/// `route` is the matched route pattern (`/api/v1/models/{name}`), read from `context.endpointPath`, so raw paths
/// never become labels; a request no route matched counts as `route="unmatched"`. A handler that throws counts
/// with its `HTTPResponseError` status, any other error as 500.
///
/// A router applies middleware only to routes added after it, so add this first, or wrap the whole application
/// with ``Hummingbird/ApplicationProtocol/withMetrics(_:)``, which also counts requests no route matched.
///
/// ```swift
/// let router = Router()
/// router.add(middleware: HTTPMetricsMiddleware(metrics: HTTPMetrics(registry: NomalyMetrics.bootstrap())))
/// router.addHealthRoutes(version: "1.0.0", probes: [])
/// ```
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public let metrics: HTTPMetrics

    public init(metrics: HTTPMetrics) {
        self.metrics = metrics
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context: context, status: response.status, since: start)
            return response
        } catch {
            record(request, context: context, status: (error as? any HTTPResponseError)?.status ?? .internalServerError, since: start)
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        // The router sets endpointPath to the matched pattern, or to "NotFound" when nothing matched.
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? HTTPMetrics.unmatchedRoute
        metrics.record(method: request.method.rawValue, route: route, status: status.code, duration: ContinuousClock.now - start)
    }
}

/// A responder that measures every request with ``HTTPMetricsMiddleware`` and answers `GET /metrics` itself,
/// before handing anything else to the wrapped responder.
public struct MeteredResponder<Wrapped: HTTPResponder>: HTTPResponder where Wrapped.Context: RequestContext {
    public typealias Context = Wrapped.Context
    let wrapped: Wrapped
    let endpoint: MetricsEndpoint
    let middleware: HTTPMetricsMiddleware<Wrapped.Context>

    public init(_ wrapped: Wrapped, endpoint: MetricsEndpoint) {
        self.wrapped = wrapped
        self.endpoint = endpoint
        middleware = HTTPMetricsMiddleware(metrics: endpoint.metrics)
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        try await middleware.handle(request, context: context) { request, context in
            if request.method == .get && request.uri.path == MetricsEndpoint.path {
                context.coreContext.endpointPath.value = MetricsEndpoint.path
                do {
                    try await endpoint.authorize(request, context: context)
                } catch let error as APIError {
                    // Outside the router no error middleware renders it.
                    return try error.response(from: request, context: context)
                }
                return await endpoint.response(scrapeTimeout: MetricsEndpoint.scrapeTimeout(of: request))
            }
            return try await wrapped.respond(to: request, context: context)
        }
    }
}

/// An application whose responder is wrapped in a ``MeteredResponder``; everything else (server, configuration,
/// services, `onServerRunning`) is the wrapped application's.
public struct MeteredApplication<Base: ApplicationProtocol>: ApplicationProtocol where Base.Responder.Context: RequestContext {
    public typealias Responder = MeteredResponder<Base.Responder>
    let base: Base
    let endpoint: MetricsEndpoint

    public var responder: Responder {
        get async throws { MeteredResponder(try await base.responder, endpoint: endpoint) }
    }
    public var server: HTTPServerBuilder { base.server }
    public var eventLoopGroup: any EventLoopGroup { base.eventLoopGroup }
    public var configuration: ApplicationConfiguration { base.configuration }
    public var logger: Logger { base.logger }
    public var services: [any Service] { base.services }
    public var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { base.processesRunBeforeServerStart }

    @Sendable public func onServerRunning(_ channel: any Channel) async {
        await base.onServerRunning(channel)
    }
}

extension ApplicationProtocol where Responder.Context: RequestContext {
    /// Measures every request (matched or not, authenticated or not) and serves `GET /metrics` ahead of the router.
    ///
    /// ```swift
    /// let registry = NomalyMetrics.bootstrap()
    /// let app = AdminServer.application(...).withMetrics(MetricsEndpoint(registry: registry, collectors: [.process(registry: registry)]))
    /// ```
    public func withMetrics(_ endpoint: MetricsEndpoint) -> MeteredApplication<Self> {
        MeteredApplication(base: self, endpoint: endpoint)
    }
}

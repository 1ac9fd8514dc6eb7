package import Hummingbird
// Types the wrapped application forwards (HTTPServerBuilder, Channel, EventLoopGroup, Service) come from
// Hummingbird's own dependencies.
package import HummingbirdCore
package import Logging
package import NIOCore
package import Observability
package import ServiceLifecycle

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
package struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    package let metrics: HTTPMetrics

    package init(metrics: HTTPMetrics) {
        self.metrics = metrics
    }

    package func handle(
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
package struct MeteredResponder<Wrapped: HTTPResponder>: HTTPResponder where Wrapped.Context: RequestContext {
    package typealias Context = Wrapped.Context
    let wrapped: Wrapped
    let endpoint: MetricsEndpoint
    let middleware: HTTPMetricsMiddleware<Wrapped.Context>

    package init(_ wrapped: Wrapped, endpoint: MetricsEndpoint) {
        self.wrapped = wrapped
        self.endpoint = endpoint
        middleware = HTTPMetricsMiddleware(metrics: endpoint.metrics)
    }

    package func respond(to request: Request, context: Context) async throws -> Response {
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
package struct MeteredApplication<Base: ApplicationProtocol>: ApplicationProtocol where Base.Responder.Context: RequestContext {
    package typealias Responder = MeteredResponder<Base.Responder>
    let base: Base
    let endpoint: MetricsEndpoint

    package var responder: Responder {
        get async throws { MeteredResponder(try await base.responder, endpoint: endpoint) }
    }
    package var server: HTTPServerBuilder { base.server }
    package var eventLoopGroup: any EventLoopGroup { base.eventLoopGroup }
    package var configuration: ApplicationConfiguration { base.configuration }
    package var logger: Logger { base.logger }
    package var services: [any Service] { base.services }
    package var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { base.processesRunBeforeServerStart }

    @Sendable package func onServerRunning(_ channel: any Channel) async {
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
    package func withMetrics(_ endpoint: MetricsEndpoint) -> MeteredApplication<Self> {
        MeteredApplication(base: self, endpoint: endpoint)
    }
}

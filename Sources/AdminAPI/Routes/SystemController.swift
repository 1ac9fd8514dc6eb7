package import Hummingbird
import NIOCore

/// The routes about the server itself that need no token: `GET /openapi.json`, and on a server whose `/metrics` has a
/// port of its own, a `GET /metrics` that says where it went. `/health`, `/ready` and `/version` are
/// ``HealthController``'s.
package struct SystemController: Sendable {
    /// `NOMALY_METRICS_PORT`, when `/metrics` is served there instead.
    let metricsPort: Int?
    /// The OpenAPI document, built once: it depends only on the version.
    let openAPIDocument: ByteBuffer

    package init(version: String, metricsPort: Int?) {
        self.metricsPort = metricsPort
        openAPIDocument = ByteBuffer(string: OpenAPIDocument.json(version: version))
    }

    package func addRoutes(to router: Router<NomalyRequestContext>) {
        if metricsPort != nil { router.get(RouterPath(MetricsEndpoint.path), use: metricsElsewhere) }
        router.get(RouterPath(OpenAPIDocument.path), use: openAPI)
    }

    /// Said plainly rather than with a 401 that would suggest NOMALY_METRICS_REQUIRE_TOKEN. Routed only when the port is set.
    @Sendable func metricsElsewhere(_ request: Request, context: NomalyRequestContext) async throws -> Response {
        throw APIError(.notFound, code: "not_found", "/metrics is served on port \(metricsPort ?? 0) (NOMALY_METRICS_PORT), not on this one")
    }

    @Sendable func openAPI(_ request: Request, context: NomalyRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: openAPIDocument)
        )
    }
}

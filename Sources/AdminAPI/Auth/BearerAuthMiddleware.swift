import Audit
package import Hummingbird

/// Requires `Authorization: Bearer nmly_…` everywhere except the public routes, through the ``TokenGate`` (lockout,
/// per-address and per-token rate limits). What each public route gets:
///
/// - `/health` and `/ready`: never limited and never refused, so probes are not turned into restarts. A token sent to
///   `/ready` asks for the checks' details; it is checked like any other (a wrong one counts as a failed attempt, so
///   `/ready` is no free oracle for guessing tokens), but a refusal only means the public answer.
/// - `/openapi.json`: no token, but limited per address like every request that is not a probe. So is `/metrics` when
///   it reaches the router, which only happens when it has a port of its own (the route then says where).
///
/// `/metrics` itself never reaches the router: ``MeteredResponder`` answers it, passing the same gate itself when
/// `NOMALY_METRICS_REQUIRE_TOKEN` is on.
package struct BearerAuthMiddleware: RouterMiddleware {
    package typealias Context = NomalyRequestContext
    let gate: TokenGate

    static let probePaths: Set<String> = ["/health", "/ready"]
    static let openPaths: Set<String> = ["/openapi.json", MetricsEndpoint.path]
    static let detailedProbePath = "/ready"

    package init(gate: TokenGate) {
        self.gate = gate
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = context.remoteAddress ?? "unknown"
        // The router has matched the route before middleware runs: its pattern, not the raw path, says which it is.
        let route = context.endpointPath
        var context = context
        if let route, Self.probePaths.contains(route) {
            if route == Self.detailedProbePath, request.headers[.authorization] != nil {
                context.identity = try? await gate.authenticate(request, address: address)
            }
            return try await next(request, context)
        }
        if let route, Self.openPaths.contains(route) {
            try await gate.admit(address)
            return try await next(request, context)
        }
        context.identity = try await gate.authenticate(request, address: address, missingTokenCounts: route != nil)
        // Registry changes made while answering are audited with the caller's address.
        return try await AuditOrigin.$remoteAddress.withValue(context.remoteAddress) { try await next(request, context) }
    }
}

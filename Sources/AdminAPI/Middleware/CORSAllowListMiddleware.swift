import HTTPTypes
package import Hummingbird

/// Cross-origin access for browsers on the allow-list (`NOMALY_CORS_ORIGINS`), e.g. a dashboard calling the API
/// with a viewer token. Preflights are answered here, before authentication, since browsers send them without
/// credentials; other origins get no CORS headers, so browsers keep their responses from the page.
package struct CORSAllowListMiddleware: RouterMiddleware {
    package typealias Context = NomalyRequestContext
    let allowedOrigins: Set<String>
    let allowsAnyOrigin: Bool
    static let allowedMethods = "GET, POST, PUT, DELETE, OPTIONS"
    static let allowedHeaders = "Authorization, Content-Type, Accept, If-None-Match, X-Nomaly-Model"
    static let exposedHeaders = "ETag, Retry-After, Content-Length"

    /// - Parameter allowedOrigins: exact origins (`https://grafana.example.com`); `*` allows any.
    package init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins)
        allowsAnyOrigin = allowedOrigins.contains("*")
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = allowsAnyOrigin || allowedOrigins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                throw APIError(.forbidden, code: "cors_origin_not_allowed", "the origin \(origin) is not in NOMALY_CORS_ORIGINS")
            }
            var headers = corsHeaders(origin: origin)
            headers[.accessControlAllowMethods] = Self.allowedMethods
            headers[.accessControlAllowHeaders] = Self.allowedHeaders
            headers[.accessControlMaxAge] = "600"
            return Response(status: .noContent, headers: headers)
        }
        guard allowed else { return try await next(request, context) }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: corsHeaders(origin: origin))
            return response
        } catch {
            // The browser needs the CORS headers to read an error too (this runs outside the JSON error middleware).
            var mapped = APIError.from(error)
            mapped.headers.append(contentsOf: corsHeaders(origin: origin))
            throw mapped
        }
    }

    func corsHeaders(origin: String) -> HTTPFields {
        [
            .accessControlAllowOrigin: origin,
            .accessControlExposeHeaders: Self.exposedHeaders,
            .vary: "Origin",
        ]
    }
}

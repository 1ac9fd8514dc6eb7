package import Hummingbird

/// Lets a request through to a route group only when its token's role is at least `role` (each role includes the
/// ones below it); 403 naming both roles otherwise.
///
/// It runs after the router's middleware, so after ``BearerAuthMiddleware`` has settled who is calling (rate limits,
/// lockout and the token itself come first), and before the handler reads a parameter or the body: a weaker token
/// learns nothing from how its request would have been parsed.
///
/// ```swift
/// let models = router.group("api/v1/models")
/// models.add(middleware: RequireRole(.viewer)).get(use: controller.list)
/// ```
package struct RequireRole: RouterMiddleware {
    package typealias Context = NomalyRequestContext
    let role: Role

    package init(_ role: Role) {
        self.role = role
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let identity = try context.caller
        guard identity.role >= role else {
            throw APIError(
                .forbidden,
                code: "forbidden",
                "token \(identity.name) has role \(identity.role.rawValue); this needs \(role.rawValue) or higher"
            )
        }
        return try await next(request, context)
    }
}

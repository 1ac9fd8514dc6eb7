package import Audit
package import Hummingbird
import Units

/// `/api/v1/tokens`: what `nomaly tokens` does, for admins. A created token is shown in the response once; only its
/// sha256 is stored.
package struct TokensController: Sendable {
    let tokens: TokenStore
    let audit: AuditLog

    package init(tokens: TokenStore, audit: AuditLog) {
        self.tokens = tokens
        self.audit = audit
    }

    struct CreateRequest: Decodable {
        let name: String
        /// Read as text so that a role that does not exist is answered with the roles that do (as JSON it would be only
        /// "role has the wrong type or an invalid value").
        let role: String
        /// A lifetime such as `90d`; absent for a token that does not expire.
        let expires: String?
    }

    struct TokenList: Encodable { let tokens: [TokenRecord] }
    struct Revoked: Encodable {
        let name: String
        let revoked: Bool
    }

    /// - Parameter api: the `/api/v1` group, behind ``BearerAuthMiddleware``.
    package func addRoutes(to api: RouterGroup<NomalyRequestContext>) {
        api.group("tokens").add(middleware: RequireRole(.admin))
            .get(use: list)
            .post(use: create)
            .delete("{name}", use: revoke)
    }

    @Sendable func list(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<TokenList> {
        JSONResponse(TokenList(tokens: try await tokens.list()))
    }

    @Sendable func create(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<CreatedToken> {
        let identity = try context.caller
        let body = try await request.decodeJSON(CreateRequest.self, context: context)
        let lifetime = try body.expires.map { text in
            guard let duration = parseDuration(text), duration > .zero else {
                throw APIError(.badRequest, code: "bad_request", "expires takes a duration such as 90d or 12h")
            }
            return duration
        }
        guard let role = Role(rawValue: body.role) else {
            throw APIError(.badRequest, code: "bad_request", "role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let (token, record) = try await tokens.create(name: body.name, role: role, expiresIn: lifetime)
        try await audit.record(
            identity,
            action: "token.create",
            target: record.name,
            details: ["role": record.role.rawValue],
            context: context
        )
        return JSONResponse(CreatedToken(token: token, record: record), status: .created)
    }

    @Sendable func revoke(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<Revoked> {
        let identity = try context.caller
        let name = try context.parameter("name")
        guard try await tokens.revoke(name: name) else {
            throw APIError(.notFound, code: "not_found", "there is no live token named \(name)")
        }
        try await audit.record(identity, action: "token.revoke", target: name, details: [:], context: context)
        return JSONResponse(Revoked(name: name, revoked: true))
    }
}

import JSONValues
import Registry

extension OpenAPIDocument {
    /// `/api/v1/tokens…`: what `nomaly tokens` does, over HTTP, for admins.
    static let tokenOperations: [Operation] = [
        Operation(
            method: .get,
            path: "/api/v1/tokens",
            id: "listTokens",
            tag: "tokens",
            access: .token(.admin),
            summary: "Every token, revoked ones included, by name; never the secrets.",
            responses: [200: .json(.ref("TokenList"), "The tokens.")]
        ),
        Operation(
            method: .post,
            path: "/api/v1/tokens",
            id: "createToken",
            tag: "tokens",
            access: .token(.admin),
            summary: "Creates a token; the answer shows its secret, once.",
            body: .json(.ref("TokenRequest"), "The token's name, role and lifetime."),
            responses: [
                201: .json(.ref("TokenCreated"), "The token, with its secret."),
                400: .error(
                    "The body is not the expected JSON (`invalid_json`), the name or lifetime is malformed, or the role is not one of "
                        + "viewer, operator, admin (`bad_request`)."
                ),
                409: .error("A token has that name already; revoked tokens keep their names (`conflict`)."),
                413: .error("The body is larger than 1 MiB (`too_large`)."),
            ]
        ),
        Operation(
            method: .delete,
            path: "/api/v1/tokens/{name}",
            id: "revokeToken",
            tag: "tokens",
            access: .token(.admin),
            summary: "Revokes a token: it stops working at once, and its name stays taken.",
            parameters: [.path("name", Schema.string(minLength: 1).example(.string("grafana")), "The token's name.")],
            responses: [
                200: .json(.ref("TokenRevoked"), "The token is revoked."),
                404: .error("No live token has that name (`not_found`)."),
            ]
        ),
    ]
}

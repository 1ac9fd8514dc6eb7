import Registry

extension OpenAPIDocument {
    /// `/health`, `/ready`, `/version`, `/metrics` (served by ``MeteredResponder`` ahead of the router) and this document.
    static let systemOperations: [Operation] = [
        Operation(
            method: .get,
            path: "/health",
            id: "getHealth",
            tag: "system",
            access: .probe,
            summary: "Liveness: the process runs.",
            responses: [200: .json(.ref("Health"), "The process is alive.")]
        ),
        Operation(
            method: .get,
            path: "/ready",
            id: "getReadiness",
            tag: "system",
            access: .probe,
            summary: "Readiness: every dependency answers.",
            description: """
                Runs every probe concurrently, each bounded by a few seconds; requests arriving meanwhile share the \
                round. Never rate limited. Each check's `message` (why it failed) is given only with \
                `Authorization: Bearer <token>` of any role; a missing or wrong token gets the same status without \
                messages (a wrong one counts toward the address's lockout).
                """,
            responses: [
                200: .json(.ref("Readiness"), "Every check passed (`ready`)."),
                503: .json(
                    .anyOf([.ref("Readiness"), .ref("Error")]),
                    "A check failed (`not_ready`, each check says why), or the request timed out (the error envelope)."
                ),
            ]
        ),
        Operation(
            method: .get,
            path: "/version",
            id: "getVersion",
            tag: "system",
            access: .token(.viewer),
            summary: "The server's name and version.",
            responses: [200: Response(description: "The version.", content: ["application/json": .ref("VersionInfo")])]
        ),
        Operation(
            method: .get,
            path: MetricsEndpoint.path,
            id: "getMetrics",
            tag: "system",
            access: .scrape,
            summary: "Prometheus metrics in the text exposition format 0.0.4.",
            responses: [
                200: Response(description: "The metrics.", content: ["text/plain": .string()]),
                404: .error("`NOMALY_METRICS_PORT` is set: the metrics are served on that port, not this one (`not_found`)."),
            ]
        ),
        Operation(
            method: .get,
            path: path,
            id: "getOpenAPIDocument",
            tag: "system",
            access: .open,
            summary: "This document.",
            responses: [200: .json(.map(.anyValue), "The OpenAPI 3.1 description of the API.")]
        ),
    ]
}

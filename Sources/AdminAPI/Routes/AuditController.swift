package import Audit
package import Hummingbird

/// `/api/v1/audit`: the audit log, newest first, for viewers. It holds registry changes, API changes (tokens, runs,
/// scoring runs) and backup waivers, so it is a resource of its own rather than part of the models.
package struct AuditController: Sendable {
    let audit: AuditLog

    package init(audit: AuditLog) {
        self.audit = audit
    }

    /// - Parameter api: the `/api/v1` group, behind ``BearerAuthMiddleware``.
    package func addRoutes(to api: RouterGroup<NomalyRequestContext>) {
        api.group("audit").add(middleware: RequireRole(.viewer))
            .get(use: entries)
    }

    /// `?limit=` (1…1000, 100 by default) entries older than `?cursor=` (an entry's id), newest first.
    @Sendable func entries(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<[AuditEntry]> {
        let limit = try request.integerQuery("limit", default: 100, range: 1...1000)!
        let before = try request.integerQuery("cursor", range: 1...Int.max).map(Int64.init)
        return JSONResponse(try await audit.entries(limit: limit, before: before))
    }
}

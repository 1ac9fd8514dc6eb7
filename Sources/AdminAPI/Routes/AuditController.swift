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

    /// One page of the log, shaped as every paged listing of the API answers (`/api/v1/runs`, a model's versions): the
    /// items and the cursor of the next page, null on the last. Until issue 26 the log answered a bare array, which left
    /// a client to guess whether a page shorter than nothing meant the end.
    struct AuditPage: Encodable {
        let entries: [AuditEntry]
        let nextCursor: Int64?
    }

    /// `?limit=` (1…1000, 100 by default) entries older than `?cursor=` (the previous page's `next_cursor`), newest
    /// first.
    @Sendable func entries(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<AuditPage> {
        let limit = try request.integerQuery("limit", default: 100, range: 1...1000)!
        let before = try request.integerQuery("cursor", range: 1...Int.max).map(Int64.init)
        let entries = try await audit.entries(limit: limit + 1, before: before)
        let page = Array(entries.prefix(limit))
        return JSONResponse(AuditPage(entries: page, nextCursor: entries.count > limit ? page.last?.id : nil))
    }
}

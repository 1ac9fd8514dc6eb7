package import Audit
import Foundation
package import Hummingbird
import Postgres
package import Scheduler

/// `/api/v1/jobs` and `/api/v1/runs`: what `nomaly jobs` shows and does, over HTTP. Viewers read; operators trigger,
/// pause, resume and cancel, and every change is audited.
package struct JobsController: Sendable {
    let store: RunStore
    let audit: AuditLog

    package init(store: RunStore, audit: AuditLog) {
        self.store = store
        self.audit = audit
    }

    struct TriggerResponse: Encodable { let runId: Int64 }
    struct RunPage: Encodable {
        let runs: [RunRecord]
        let nextCursor: Int64?
    }
    struct RunDetail: Encodable {
        let run: RunRecord
        let logTail: String?
    }
    struct CancelResponse: Encodable { let status: RunStatus }

    /// - Parameter api: the `/api/v1` group, behind ``BearerAuthMiddleware``.
    package func addRoutes(to api: RouterGroup<NomalyRequestContext>) {
        api.group("jobs").add(middleware: RequireRole(.viewer))
            .get(use: list)
            .get("{name}", use: show)
        api.group("jobs").add(middleware: RequireRole(.operator))
            .post("{name}/trigger", use: trigger)
            .post("{name}/pause", use: pause)
            .post("{name}/resume", use: resume)
        api.group("runs").add(middleware: RequireRole(.viewer))
            .get(use: runs)
            .get("{id}", use: run)
        api.group("runs").add(middleware: RequireRole(.operator))
            .post("{id}/cancel", use: cancel)
    }

    /// Each job as `nomaly jobs list --json` shows it (one type, ``JobListing``), by name.
    @Sendable func list(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<[JobListing]> {
        JSONResponse(try await store.jobListings())
    }

    @Sendable func show(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<JobListing> {
        let name = try context.parameter("name")
        guard let job = try await store.jobListings(named: name).first else {
            throw APIError(.notFound, code: "not_found", "there is no job \(name)")
        }
        return JSONResponse(job)
    }

    @Sendable func trigger(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<TriggerResponse> {
        let name = try context.parameter("name")
        let runID = try await store.trigger(job: name)
        try await audit.record(try context.caller, action: "job.trigger", target: name, details: ["run_id": "\(runID)"], context: context)
        return JSONResponse(TriggerResponse(runId: runID), status: .accepted)
    }

    @Sendable func pause(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<JobListing?> {
        try await setPaused(true, context: context)
    }

    @Sendable func resume(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<JobListing?> {
        try await setPaused(false, context: context)
    }

    func setPaused(_ paused: Bool, context: NomalyRequestContext) async throws -> JSONResponse<JobListing?> {
        let name = try context.parameter("name")
        try await store.setPaused(paused, job: name)
        try await audit.record(try context.caller, action: paused ? "job.pause" : "job.resume", target: name, details: [:], context: context)
        return JSONResponse(try await store.jobListings(named: name).first)
    }

    @Sendable func runs(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<RunPage> {
        let limit = try request.integerQuery("limit", default: 50, range: 1...1000)!
        let cursor = try request.integerQuery("cursor", range: 1...Int.max).map(Int64.init)
        var status: RunStatus?
        if let text = request.uri.queryParameters.get("status") {
            guard let parsed = RunStatus(rawValue: text) else {
                throw APIError(
                    .badRequest,
                    code: "bad_request",
                    "status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            status = parsed
        }
        var runs = try await store.runs(
            job: request.uri.queryParameters.get("job").map { String($0) },
            status: status,
            limit: limit + 1,
            before: cursor
        )
        if let since = request.uri.queryParameters.get("since") {
            guard let date = try? Date(String(since), strategy: .iso8601) else {
                throw APIError(.badRequest, code: "bad_request", "since must be an ISO 8601 time such as 2026-11-29T00:00:00Z")
            }
            runs = runs.filter { $0.scheduledAt >= date }
        }
        let more = runs.count > limit
        let page = Array(runs.prefix(limit))
        return JSONResponse(RunPage(runs: page, nextCursor: more ? page.last?.id : nil))
    }

    @Sendable func run(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<RunDetail> {
        let id = Int64(try context.integerParameter("id"))
        let (record, tail) = try await store.run(id: id)
        return JSONResponse(RunDetail(run: record, logTail: tail))
    }

    @Sendable func cancel(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<CancelResponse> {
        let identity = try context.caller
        let id = Int64(try context.integerParameter("id"))
        let status = try await store.cancel(runID: id, reason: "cancelled by \(identity.name) over the API")
        try await audit.record(identity, action: "run.cancel", target: String(id), details: [:], context: context)
        return JSONResponse(CancelResponse(status: status))
    }
}

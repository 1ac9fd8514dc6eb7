package import Audit
import Foundation
package import Hummingbird
import JSONValues
package import ObjectStore
package import Registry
package import Scheduler

/// `POST /api/v1/scoring-jobs`: batch scoring of a file too large for a request. It queues a run of the `api.scoring`
/// job carrying its own `kind: score` spec; any replica's scheduler runs it, and `GET /api/v1/runs/{id}` follows it.
///
/// An operator token must not reach what the daemon's user and credentials can: files stay in the scoring folder
/// (`NOMALY_SCORING_DIR`), `s3://` stays below `NOMALY_SCORING_S3_PREFIXES` (none by default), and the artifact store
/// and the backups are never used (``ScoringLocations``); the run checks all of it again when it starts. An existing
/// output is kept unless the request says `"overwrite": true`.
package struct ScoringJobsController: Sendable {
    let runs: RunStore
    let registry: ModelRegistry
    let kinds: JobKindRegistry
    let audit: AuditLog
    let locations: ScoringLocations

    /// - Parameter locations: the finished rule, its protected locations included (the composition root builds it).
    package init(runs: RunStore, registry: ModelRegistry, kinds: JobKindRegistry, audit: AuditLog, locations: ScoringLocations) {
        self.runs = runs
        self.registry = registry
        self.kinds = kinds
        self.audit = audit
        self.locations = locations
    }

    struct CreateRequest: Decodable {
        /// `NAME`, `NAME@ALIAS` or `NAME:VERSION`; an alias is resolved when the run starts.
        let model: String
        let input: String
        let output: String
        /// The input's id column, kept as `row_key`; needed for table output.
        let id: String?
        /// Replace an existing output file or object; without it the request (or the run) fails instead.
        let overwrite: Bool?
    }

    struct Created: Encodable {
        let runId: Int64
        let job: String
        let status: RunStatus
    }

    /// - Parameter api: the `/api/v1` group, behind ``BearerAuthMiddleware``.
    package func addRoutes(to api: RouterGroup<NomalyRequestContext>) {
        api.group("scoring-jobs").add(middleware: RequireRole(.operator))
            .post(use: create)
    }

    /// Queues the run and answers 202 with its id and `Location: /api/v1/runs/{id}`.
    @Sendable func create(_ request: Request, context: NomalyRequestContext) async throws -> Response {
        let identity = try context.caller
        let body = try await request.decodeJSON(CreateRequest.self, context: context)
        // Fail now, not in the run, for a model that does not exist (the alias is resolved again at start).
        _ = try await registry.resolve(try ModelReference.parse(body.model))
        let overwrite = body.overwrite ?? false
        var settings: [String: JSONValue] = [
            "model": .string(body.model),
            "input": .string(try await input(body.input)),
            "output": .string(try await output(body.output, overwrite: overwrite)),
        ]
        if let id = body.id { settings["id"] = .string(id) }
        if overwrite { settings["overwrite"] = .bool(true) }
        let spec: JobSpec
        do {
            // The schedule is required by the spec format but unused: these runs are queued, never planned.
            spec = try JobSpec(
                document: [
                    "name": .string(RunStore.apiScoringJob), "kind": .string("score"), "schedule": .string("@yearly"),
                    "concurrency": .string("allow"), "with": .object(settings),
                ],
                defaultName: RunStore.apiScoringJob,
                kinds: kinds
            )
        } catch {
            throw APIError(.badRequest, code: "invalid_settings", "\(error)")
        }
        let runID = try await runs.queueAdHoc(spec, job: RunStore.apiScoringJob)
        var details = ["model": body.model, "input": body.input, "output": body.output]
        if overwrite { details["overwrite"] = "true" }
        try await audit.record(identity, action: "scoring_job.create", target: String(runID), details: details, context: context)
        var response = try JSONResponse(Created(runId: runID, job: RunStore.apiScoringJob, status: .queued), status: .accepted)
            .response(from: request, context: context)
        response.headers[.location] = "/api/v1/runs/\(runID)"
        return response
    }

    func input(_ text: String) async throws -> String {
        let found = try await location(text, role: "input")
        if !ScoringLocations.isS3(found.location), !found.readable {
            throw APIError(.badRequest, code: "invalid_settings", "input '\(text)' does not exist in the scoring folder")
        }
        return found.location
    }

    /// 409 for a local file that is already there without `overwrite`; an S3 object is looked for when the run starts,
    /// where the daemon's S3 client is.
    func output(_ text: String, overwrite: Bool) async throws -> String {
        if text == "table" { return text }
        if text.hasPrefix("table:") {
            throw APIError(
                .badRequest,
                code: "invalid_settings",
                "over the API, scores go to the anomaly_scores table (output: table), a file under the scoring folder, or s3://"
            )
        }
        let found = try await location(text, role: "output")
        if found.exists && !overwrite {
            throw APIError(
                .conflict,
                code: "output_exists",
                "output '\(text)' already exists in the scoring folder; send \"overwrite\": true to replace it"
            )
        }
        return found.location
    }

    /// The location as the run will use it: a canonical `s3://` URL, or the path with its symbolic links resolved.
    func location(_ text: String, role: String) async throws -> (location: String, exists: Bool, readable: Bool) {
        do {
            return try await locations.inspect(text, role: role, confined: true)
        } catch let error as ScoringLocationError {
            throw APIError(.badRequest, code: error.code.name, error.message)
        }
    }
}

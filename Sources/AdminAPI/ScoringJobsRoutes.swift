import Foundation
public import Hummingbird
public import Registry
public import Scheduler

/// `POST /api/v1/scoring-jobs`: batch scoring of a file too large for a request. It queues a run of the `api.scoring`
/// job carrying its own `kind: score` spec; any replica's scheduler runs it, and `GET /api/v1/runs/{id}` follows it.
///
/// Files are confined to the scoring folder (`NOMALY_SCORING_DIR`): an API token must not read or overwrite
/// whatever the daemon's user can. Scores go to that folder, to `s3://`, or to the `anomaly_scores` table.
public struct ScoringJobsRoutes: Sendable {
    let runs: RunStore
    let registry: ModelRegistry
    let kinds: JobKindRegistry
    let audit: AuditLog
    let scoringDirectory: String

    public init(runs: RunStore, registry: ModelRegistry, kinds: JobKindRegistry, audit: AuditLog, scoringDirectory: String) {
        self.runs = runs
        self.registry = registry
        self.kinds = kinds
        self.audit = audit
        self.scoringDirectory = scoringDirectory
    }

    struct CreateRequest: Decodable {
        /// `NAME`, `NAME@ALIAS` or `NAME:VERSION`; an alias is resolved when the run starts.
        let model: String
        let input: String
        let output: String
        /// The input's id column, kept as `row_key`; needed for table output.
        let id: String?
    }

    struct Created: Encodable {
        let runId: Int64
        let job: String
        let status: RunStatus
    }

    public func add(to router: RouterGroup<NomalyRequestContext>) {
        router.post("scoring-jobs") { request, context in
            let identity = try context.require(.operator)
            let body = try await request.decodeJSON(CreateRequest.self, context: context)
            // Fail now, not in the run, for a model that does not exist (the alias is resolved again at start).
            _ = try await registry.resolve(try ModelReference.parse(body.model))
            var settings: [String: SpecValue] = [
                "model": .string(body.model),
                "input": .string(try location(body.input, key: "input", mustExist: true)),
                "output": .string(try output(body.output)),
            ]
            if let id = body.id { settings["id"] = .string(id) }
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
            try await audit.record(
                identity,
                action: "scoring_job.create",
                target: String(runID),
                details: ["model": body.model, "input": body.input, "output": body.output],
                context: context
            )
            var response = try JSONResponse(Created(runId: runID, job: RunStore.apiScoringJob, status: .queued), status: .accepted)
                .response(from: request, context: context)
            response.headers[.location] = "/api/v1/runs/\(runID)"
            return response
        }
    }

    func output(_ text: String) throws -> String {
        if text == "table" { return text }
        if text.hasPrefix("table:") {
            throw APIError(
                .badRequest,
                code: "invalid_settings",
                "over the API, scores go to the anomaly_scores table (output: table), a file under the scoring folder, or s3://"
            )
        }
        return try location(text, key: "output", mustExist: false)
    }

    /// An `s3://` URL as given, or a path resolved (symbolic links included) and required to lie in the scoring folder.
    func location(_ text: String, key: String, mustExist: Bool) throws -> String {
        if text.hasPrefix("s3://") { return text }
        guard !text.isEmpty, !text.contains("\0") else {
            throw APIError(.badRequest, code: "invalid_settings", "\(key) must be a path under the scoring folder or an s3:// URL")
        }
        let root = Self.resolved(scoringDirectory)
        let resolved = Self.resolved(text.hasPrefix("/") ? text : scoringDirectory + "/" + text)
        guard resolved.hasPrefix(root + "/") else {
            throw APIError(
                .badRequest,
                code: "outside_scoring_dir",
                "\(key) '\(text)' is outside the scoring folder \(scoringDirectory) (NOMALY_SCORING_DIR); put the file there or use s3://"
            )
        }
        if mustExist, !FileManager.default.isReadableFile(atPath: resolved) {
            throw APIError(.badRequest, code: "invalid_settings", "\(key) '\(text)' does not exist in the scoring folder")
        }
        return resolved
    }

    /// The path with every symbolic link resolved, also when its last components do not exist yet (an output file):
    /// the deepest existing ancestor goes through realpath(3), the rest is appended after `..` has been folded.
    static func resolved(_ path: String) -> String {
        var existing = URL(fileURLWithPath: path).standardizedFileURL.path
        var rest: [String] = []
        while existing != "/" {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                return ([String(cString: real)] + rest.reversed()).joined(separator: "/")
            }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return "/" + rest.reversed().joined(separator: "/")
    }
}

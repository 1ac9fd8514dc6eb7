import Datasets
import Detectors
import Foundation
import HTTPTypes
package import Hummingbird
import Modeling
package import Registry

/// `POST /api/v1/models/{name}/score` and MLflow's `POST /invocations`: score rows sent in the request.
///
/// Bodies are parsed as they arrive and scored in chunks of rows: CSV, or JSON in MLflow's shapes (`dataframe_split`,
/// `dataframe_records`, `instances`, `inputs`; ScoringController+MLflowInput.swift). A request holds its scores (8 bytes
/// a row) and a chunk, never an object per cell; the JSON shapes that cannot give rows as they arrive (`inputs` as
/// columns, a `dataframe_split` with `data` before `columns`) also hold the text of their feature columns or `data`, at
/// most the body's own bytes. The answer is written out in chunks as well. Past `NOMALY_SCORING_MAX_ROWS` rows the request is
/// refused with 413 pointing to scoring jobs.
package struct ScoringController: Sendable {
    let registry: ModelRegistry
    let cache: DetectorCache
    let bodyLimit: Int
    /// `NOMALY_SCORING_MAX_ROWS`: rows one request may carry.
    let maxRows: Int
    /// `/invocations` scores with this reference unless the request names one in `X-Nomaly-Model`.
    let invocationsModel: String?
    static let chunkRows = 8192

    package init(
        registry: ModelRegistry,
        cache: DetectorCache,
        bodyLimit: Int = 50 << 20,
        maxRows: Int = 1_000_000,
        invocationsModel: String? = nil
    ) {
        self.registry = registry
        self.cache = cache
        self.bodyLimit = bodyLimit
        self.maxRows = maxRows
        self.invocationsModel = invocationsModel
    }

    /// - Parameters:
    ///   - api: the `/api/v1` group, behind ``BearerAuthMiddleware``.
    ///   - root: the router itself, for MLflow's `/invocations`.
    package func addRoutes(to api: RouterGroup<NomalyRequestContext>, root: Router<NomalyRequestContext>) {
        api.group("models").add(middleware: RequireRole(.operator))
            .post("{name}/score", use: scoreModel)
        root.group("invocations").add(middleware: RequireRole(.operator))
            .post(use: invocations)
    }

    /// `POST /api/v1/models/{name}/score`: the version of `?version=`, else the alias of `?alias=` (`production`).
    @Sendable func scoreModel(_ request: Request, context: NomalyRequestContext) async throws -> Response {
        let name = try context.parameter("name")
        let reference: ModelReference
        if let version = try request.integerQuery("version", range: 1...RegistryNames.maxVersion) {
            reference = .version(model: name, version: version)
        } else {
            reference = .alias(model: name, alias: request.uri.queryParameters.get("alias").map { String($0) } ?? ModelReference.defaultAlias)
        }
        return try await score(request, context: context, reference: reference)
    }

    /// MLflow's `POST /invocations`: the model named by `X-Nomaly-Model`, else `NOMALY_INVOCATIONS_MODEL`.
    @Sendable func invocations(_ request: Request, context: NomalyRequestContext) async throws -> Response {
        guard let text = request.headers[HTTPField.Name("X-Nomaly-Model")!] ?? invocationsModel else {
            throw APIError(
                .badRequest,
                code: "no_model",
                "no model to score with: name one in the X-Nomaly-Model header (NAME@ALIAS or NAME:VERSION), or set "
                    + "NOMALY_INVOCATIONS_MODEL on the server for clients that cannot send headers"
            )
        }
        return try await score(request, context: context, reference: try ModelReference.parse(text))
    }

    func score(_ request: Request, context: NomalyRequestContext, reference: ModelReference) async throws -> Response {
        let version = try await registry.resolve(reference)
        let model = try await cache.model(sha256: version.artifactSha256)
        let contentType = request.headers[.contentType]
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let scores: DoubleBlocks
        switch mediaType {
        case "text/csv":
            scores = try await scoreCSV(request.body, model: model)
        case "application/json":
            try JSONBody.requireUTF8(contentType: contentType)
            scores = try await scoreJSON(request.body, model: model, maxDepth: context.maxJSONDepth)
        default:
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", "send text/csv or application/json (MLflow's shapes)")
        }
        let threshold = model.manifest.threshold.value
        ScoringMetrics.record(model: version.model, rows: scores.count, anomalies: scores.count { $0 > threshold }, source: "api")
        if request.headers[.accept]?.lowercased().contains("text/csv") ?? false {
            var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8"]
            headers[HTTPField.Name("X-Nomaly-Model-Version")!] = "\(version.model):\(version.version)"
            return Response(status: .ok, headers: headers, body: ScoreChunks(scores: scores, threshold: threshold, format: .csv).responseBody)
        }
        let chunks = ScoreChunks(scores: scores, threshold: threshold, format: .json(model: version.model, version: version.version))
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: chunks.responseBody)
    }

    /// Parses the body as it streams in and scores each chunk of rows.
    func scoreCSV(_ body: RequestBody, model: ModelArtifact) async throws -> DoubleBlocks {
        let manifest = model.manifest
        var parser = try CSVParser(
            selection: ColumnSelection(features: manifest.featureNames),
            missing: MissingValuePolicy(rawValue: manifest.missingValues) ?? .error,
            medians: manifest.features.map(\.median),
            sourceName: "body"
        )
        var scores = DoubleBlocks()
        var received = 0
        for try await buffer in body {
            try count(buffer, into: &received)
            try buffer.withUnsafeReadableBytes { raw in
                var offset = 0
                while offset < raw.count {
                    offset += try parser.parse(UnsafeRawBufferPointer(rebasing: raw[offset...]), maxRows: Self.chunkRows)
                    guard parser.rowsRead <= maxRows else { throw Self.tooManyRows(maxRows) }
                    if parser.pendingRowCount >= Self.chunkRows { Self.score(parser.takeChunk().features, with: model, into: &scores) }
                }
            }
        }
        while try !parser.finish(maxRows: Self.chunkRows) {
            guard parser.rowsRead <= maxRows else { throw Self.tooManyRows(maxRows) }
            Self.score(parser.takeChunk().features, with: model, into: &scores)
        }
        guard parser.rowsRead <= maxRows else { throw Self.tooManyRows(maxRows) }
        Self.score(parser.takeChunk().features, with: model, into: &scores)
        return scores
    }

    /// Adds a buffer's bytes to those received, refusing the body past the limit.
    func count(_ buffer: ByteBuffer, into received: inout Int) throws {
        received += buffer.readableBytes
        guard received <= bodyLimit else { throw APIError(.contentTooLarge, code: "too_large", "the body is larger than \(bodyLimit) bytes") }
    }

    /// Scores row-major `rows` of the model's features and appends the scores. The scores are kept in blocks: a growing
    /// array of a million scores would briefly need three times their 8 MB.
    static func score(_ rows: UnsafeBufferPointer<Double>, with model: ModelArtifact, into scores: inout DoubleBlocks) {
        let rowCount = rows.count / model.manifest.featureNames.count
        guard rowCount > 0 else { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: rowCount) { chunk in
            model.detector.score(rows: rows, into: chunk)
            scores.append(contentsOf: UnsafeBufferPointer(chunk))
        }
    }

    static func score(_ rows: [Double], with model: ModelArtifact, into scores: inout DoubleBlocks) {
        rows.withUnsafeBufferPointer { score($0, with: model, into: &scores) }
    }

    static func tooManyRows(_ limit: Int) -> APIError {
        APIError(
            .contentTooLarge,
            code: "too_many_rows",
            "the request has more than \(limit) rows (NOMALY_SCORING_MAX_ROWS); score larger inputs with a scoring job: POST /api/v1/scoring-jobs"
        )
    }
}

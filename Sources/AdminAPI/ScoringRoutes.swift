import Datasets
import Detectors
import Foundation
import HTTPTypes
public import Hummingbird
import Modeling
public import Registry

/// `POST /api/v1/models/{name}/score` and MLflow's `POST /invocations`: score rows sent in the request.
///
/// CSV bodies are parsed as they arrive and scored in chunks, so a large request costs its scores (8 bytes a
/// row), never an object per cell. JSON bodies take MLflow's shapes (`dataframe_split`, `dataframe_records`,
/// `instances`, `inputs`) and are bounded by the body limit.
public struct ScoringRoutes: Sendable {
    let registry: ModelRegistry
    let cache: DetectorCache
    let bodyLimit: Int
    /// `NOMALY_SCORING_MAX_ROWS`: rows one request may carry.
    let maxRows: Int
    /// `/invocations` scores with this reference unless the request names one in `X-Nomaly-Model`.
    let invocationsModel: String?
    static let chunkRows = 8192

    public init(
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

    public func add(to group: RouterGroup<NomalyRequestContext>, root: Router<NomalyRequestContext>) {
        group.post("models/{name}/score") { request, context in
            _ = try context.require(.operator)
            let name = try context.parameter("name")
            let reference: ModelReference
            if let version = try request.integerQuery("version", range: 1...RegistryNames.maxVersion) {
                reference = .version(model: name, version: version)
            } else {
                reference = .alias(model: name, alias: request.uri.queryParameters.get("alias").map { String($0) } ?? ModelReference.defaultAlias)
            }
            return try await score(request, context: context, reference: reference)
        }
        root.post("invocations") { request, context in
            _ = try context.require(.operator)
            guard let text = request.headers[HTTPField.Name("X-Nomaly-Model")!] ?? invocationsModel else {
                throw APIError(.badRequest, code: "no_model", "name the model in the X-Nomaly-Model header (NAME@ALIAS or NAME:VERSION)")
            }
            return try await score(request, context: context, reference: try ModelReference.parse(text))
        }
    }

    func score(_ request: Request, context: NomalyRequestContext, reference: ModelReference) async throws -> Response {
        let version = try await registry.resolve(reference)
        let model = try await cache.model(sha256: version.artifactSha256)
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let scores: [Double]
        switch contentType {
        case "text/csv":
            scores = try await scoreCSV(request.body, model: model)
        case "application/json":
            let body = try await request.body.collect(upTo: bodyLimit)
            try JSONDepth.check(body.readableBytesView, limit: context.maxJSONDepth)
            let matrix = try MLflowInput.matrix(from: Data(body.readableBytesView), model: model)
            scores = model.detector.score(matrix)
        default:
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", "send text/csv or application/json (MLflow's shapes)")
        }
        let threshold = model.manifest.threshold.value
        ScoringMetrics.record(model: version.model, rows: scores.count, anomalies: scores.count { $0 > threshold }, source: "api")
        let wantsCSV = request.headers[.accept]?.lowercased().contains("text/csv") ?? false
        if wantsCSV {
            var text = "score,is_anomaly\n"
            text.reserveCapacity(scores.count * 24)
            for score in scores { text += "\(score),\(score > threshold ? 1 : 0)\n" }
            var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8"]
            headers[HTTPField.Name("X-Nomaly-Model-Version")!] = "\(version.model):\(version.version)"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: Self.predictionsJSON(model: version.model, version: version.version, scores: scores, threshold: threshold))
        )
    }

    /// Swift's shortest round-trip form, with JSONEncoder's `1` for `1.0`.
    static func jsonNumber(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// `{"model":…,"predictions":[{"is_anomaly":…,"score":…}…],"version":…}`, as JSONEncoder would write it with
    /// sorted keys, but written directly: for a thousand rows the encoder cost twice the scoring. Model names are
    /// `[A-Za-z0-9_.-]` (the registry's rule), so they need no escaping; scores are finite.
    static func predictionsJSON(model: String, version: Int, scores: [Double], threshold: Double) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(48 + scores.count * 48 + model.utf8.count)
        buffer.writeString(#"{"model":""#)
        buffer.writeString(model)
        buffer.writeString(#"","predictions":["#)
        for (index, score) in scores.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeString(score > threshold ? #"{"is_anomaly":true,"score":"# : #"{"is_anomaly":false,"score":"#)
            buffer.writeString(Self.jsonNumber(score))
            buffer.writeInteger(UInt8(ascii: "}"))
        }
        buffer.writeString(#"],"version":"#)
        buffer.writeString(String(version))
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    /// Parses the body as it streams in and scores each chunk of rows.
    func scoreCSV(_ body: RequestBody, model: ModelArtifact) async throws -> [Double] {
        let manifest = model.manifest
        var parser = try CSVParser(
            selection: ColumnSelection(features: manifest.featureNames),
            missing: MissingValuePolicy(rawValue: manifest.missingValues) ?? .error,
            medians: manifest.features.map(\.median),
            sourceName: "body"
        )
        var scores: [Double] = []
        var received = 0
        func drain(_ chunk: RowChunk) {
            guard chunk.rowCount > 0 else { return }
            let start = scores.count
            scores.append(contentsOf: repeatElement(0, count: chunk.rowCount))
            chunk.features.withUnsafeBufferPointer { rows in
                scores.withUnsafeMutableBufferPointer { all in
                    model.detector.score(rows: rows, into: UnsafeMutableBufferPointer(rebasing: all[start...]))
                }
            }
        }
        for try await buffer in body {
            received += buffer.readableBytes
            guard received <= bodyLimit else { throw APIError(.contentTooLarge, code: "too_large", "the body is larger than \(bodyLimit) bytes") }
            try buffer.withUnsafeReadableBytes { raw in
                var offset = 0
                while offset < raw.count {
                    offset += try parser.parse(UnsafeRawBufferPointer(rebasing: raw[offset...]), maxRows: Self.chunkRows)
                    if parser.pendingRowCount >= Self.chunkRows { drain(parser.takeChunk()) }
                }
            }
        }
        while try !parser.finish(maxRows: Self.chunkRows) { drain(parser.takeChunk()) }
        drain(parser.takeChunk())
        return scores
    }
}

import Datasets
import Detectors
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Modeling
import ObjectStore
import Postgres
import Registry
import Scheduler
import TestSupport
import Testing

@testable import AdminAPI

@Suite("Scoring over HTTP: CSV and MLflow's JSON shapes give exactly the CLI's scores (real Postgres)")
struct ScoringRoutesTests {
    static let today = DemoData.today

    /// A registry holding one `fraud` version aliased `production`, and the scores `nomaly score` would give.
    func withScoring(
        bodyLimit: Int = 50 << 20,
        _ body: @escaping @Sendable (any TestClientProtocol, String, String, [Double]) async throws -> Void
    ) async throws {
        try await withTestAPI(bodyLimit: bodyLimit) { harness in
            let expected = try await harness.registerFraudModel()
            try await body(harness.client, harness.tokens.operatorToken, harness.tokens.viewer, expected)
        }
    }

    func headers(_ token: String, _ type: String, accept: String? = nil, model: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)", .contentType: type]
        if let accept { fields[.accept] = accept }
        if let model { fields[HTTPField.Name("X-Nomaly-Model")!] = model }
        return fields
    }

    struct Scored: Decodable {
        struct Prediction: Decodable { let score: Double }
        let predictions: [Prediction]
    }

    /// JSONDecoder parses doubles exactly (JSONSerialization on Linux can be an ulp off).
    func predictions(_ response: TestResponse) -> [Double] {
        ((try? JSONDecoder().decode(Scored.self, from: Data(String(buffer: response.body).utf8)))?.predictions ?? []).map(\.score)
    }

    @Test("a CSV body scores every row exactly as the CLI does, as JSON or as CSV")
    func csv() async throws {
        try await withScoring { client, scorer, _, expected in
            let body = ByteBuffer(string: try String(contentsOfFile: Self.today, encoding: .utf8))
            try await client.execute(
                uri: "/api/v1/models/fraud/score?alias=production",
                method: .post,
                headers: headers(scorer, "text/csv"),
                body: body
            ) { response in
                #expect(response.status == .ok)
                #expect(predictions(response) == expected)
                #expect(String(buffer: response.body).contains("\"model\":\"fraud\",\"predictions\""))
            }
            try await client.execute(
                uri: "/api/v1/models/fraud/score?version=1",
                method: .post,
                headers: headers(scorer, "text/csv", accept: "text/csv"),
                body: body
            ) { response in
                let lines = String(buffer: response.body).split(separator: "\n")
                #expect(lines.first == "score,is_anomaly")
                #expect(lines.dropFirst().map { Double($0.split(separator: ",")[0])! } == expected)
            }
        }
    }

    @Test("MLflow's dataframe_split, dataframe_records, instances and inputs give the same scores; /invocations takes the model from a header")
    func mlflowShapes() async throws {
        try await withScoring { client, scorer, _, expected in
            let rows = try Dataset.load(
                csv: Self.today,
                selection: ColumnSelection(features: ["amount", "hour", "velocity"], id: "id", label: "is_fraud")
            )
            let values = (0..<rows.rowCount).map { Array(rows.row($0)) }
            let records = values.map { ["amount": $0[0], "hour": $0[1], "velocity": $0[2]] }
            let shapes: [[String: Any]] = [
                ["dataframe_split": ["columns": ["velocity", "amount", "hour"], "data": values.map { [$0[2], $0[0], $0[1]] }]],
                ["dataframe_records": records],
                ["instances": values],
                ["inputs": ["amount": values.map { $0[0] }, "hour": values.map { $0[1] }, "velocity": values.map { $0[2] }]],
            ]
            for shape in shapes {
                let body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: shape))
                try await client.execute(uri: "/api/v1/models/fraud/score", method: .post, headers: headers(scorer, "application/json"), body: body) {
                    response in
                    #expect(response.status == .ok, "\(shape.keys)")
                    #expect(predictions(response) == expected, "\(shape.keys)")
                }
            }
            let body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["instances": records]))
            try await client.execute(uri: "/invocations", method: .post, headers: headers(scorer, "application/json", model: "fraud:1"), body: body) {
                response in
                #expect(predictions(response) == expected)
            }
        }
    }

    @Test(
        "refusals: viewer 403, unknown content type 415, missing feature 400, JSON nested too deeply 400, bad CSV cell 400 with its line, oversized 413, unknown alias 404"
    )
    func refusals() async throws {
        try await withScoring(bodyLimit: 4096) { client, scorer, viewer, _ in
            let csv = ByteBuffer(string: "amount,hour,velocity\n12,3,1\n")
            let uri = "/api/v1/models/fraud/score"
            try await client.execute(uri: uri, method: .post, headers: headers(viewer, "text/csv"), body: csv) { #expect($0.status == .forbidden) }
            try await client.execute(uri: uri, method: .post, headers: headers(scorer, "application/xml"), body: csv) {
                #expect($0.status == .unsupportedMediaType)
            }
            let narrow = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["dataframe_records": [["amount": 1, "hour": 2]]]))
            try await client.execute(uri: uri, method: .post, headers: headers(scorer, "application/json"), body: narrow) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("velocity"))
            }
            let deep = ByteBuffer(string: #"{"instances": "# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}")
            try await client.execute(uri: uri, method: .post, headers: headers(scorer, "application/json"), body: deep) { response in
                #expect(response.status == .badRequest)
                #expect(errorCode(response) == "json_too_deep")
            }
            let bad = ByteBuffer(string: "amount,hour,velocity\n12,3,1\n12,three,1\n")
            try await client.execute(uri: uri, method: .post, headers: headers(scorer, "text/csv"), body: bad) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("body:3:2"), "\(String(buffer: response.body))")
            }
            let large = ByteBuffer(string: "amount,hour,velocity\n" + String(repeating: "12.5,3,1.25\n", count: 1000))
            try await client.execute(uri: uri, method: .post, headers: headers(scorer, "text/csv"), body: large) {
                #expect($0.status == .contentTooLarge)
            }
            try await client.execute(uri: uri + "?alias=staging", method: .post, headers: headers(scorer, "text/csv"), body: csv) {
                #expect($0.status == .notFound)
            }
        }
    }
}

@Suite("The scoring endpoint's hand-written answer, written in chunks")
struct ScoreChunksTests {
    struct Prediction: Encodable {
        let score: Double
        let isAnomaly: Bool
    }

    struct Body: Encodable {
        let model: String
        let version: Int
        let predictions: [Prediction]
    }

    static func joined(_ chunks: ScoreChunks) -> String {
        String(buffer: chunks.reduce(into: ByteBuffer()) { whole, chunk in whole.writeImmutableBuffer(chunk) })
    }

    static let scores: [Double] = {
        var generator = SystemRandomNumberGenerator()
        var scores: [Double] = [0, 1, 0.5, 1e-5, 1.0e-300, 123456789.125, 1e20, 0.1 + 0.2, 5e-324, Double.greatestFiniteMagnitude]
        scores += (0..<1000).map { _ in Double.random(in: 0...1, using: &generator) }
        return scores
    }()

    @Test("JSON is byte for byte what JSONEncoder writes with the API's conventions, for every kind of double")
    func matchesEncoder() throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(
            Body(model: "fraud-v2.1_x", version: 7, predictions: Self.scores.map { Prediction(score: $0, isAnomaly: $0 > 0.5) })
        )
        let written = Self.joined(ScoreChunks(scores: DoubleBlocks(Self.scores), threshold: 0.5, format: .json(model: "fraud-v2.1_x", version: 7)))
        let encoded = String(decoding: expected, as: UTF8.self)
        // Compared prediction by prediction, so that a difference reads as the two renderings of one score.
        let split = { (text: String) in text.components(separatedBy: "},{") }
        for (mine, theirs) in zip(split(written), split(encoded)) where mine != theirs {
            Issue.record("written \(mine) but JSONEncoder writes \(theirs)")
        }
        #expect(written.utf8.elementsEqual(encoded.utf8))
        #expect(
            Self.joined(ScoreChunks(scores: DoubleBlocks(), threshold: 0, format: .json(model: "m", version: 1)))
                == #"{"model":"m","predictions":[],"version":1}"#
        )
    }

    @Test("CSV is what the endpoint wrote before chunks; the bytes do not depend on the chunk size, and chunks stay near it")
    func chunking() {
        let csv = "score,is_anomaly\n" + Self.scores.map { "\($0),\($0 > 0.5 ? 1 : 0)\n" }.joined()
        #expect(Self.joined(ScoreChunks(scores: DoubleBlocks(Self.scores), threshold: 0.5, format: .csv)) == csv)
        #expect(Self.joined(ScoreChunks(scores: DoubleBlocks(), threshold: 0.5, format: .csv)) == "score,is_anomaly\n")
        for format in [ScoreChunks.Format.csv, .json(model: "m", version: 3)] {
            let whole = Self.joined(ScoreChunks(scores: DoubleBlocks(Self.scores), threshold: 0.5, format: format))
            for size in [1, 7, 100, 4096] {
                let chunks = Array(ScoreChunks(scores: DoubleBlocks(Self.scores), threshold: 0.5, format: format, chunkBytes: size))
                #expect(Self.joined(ScoreChunks(scores: DoubleBlocks(Self.scores), threshold: 0.5, format: format, chunkBytes: size)) == whole)
                #expect(chunks.dropLast().allSatisfy { $0.readableBytes >= size && $0.readableBytes < size + 80 }, "\(format), \(size)")
                #expect(size > 7 || chunks.count > Self.scores.count / 2)
            }
        }
    }
}

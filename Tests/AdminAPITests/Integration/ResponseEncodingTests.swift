import AdminAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import JSONValues
import Registry
import Testing

@Suite("The bytes of JSON answers: the API's conventions for results, Foundation's defaults for errors and probes (real Postgres)")
struct ResponseEncodingTests {
    /// docs/cli.md's conventions, which every `/api/v1` result follows: since issue 26 a member without a value is
    /// written `null`, not left out.
    static func conventional<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encodeWithNulls(value), as: UTF8.self)
    }

    static func decoded<Value: Decodable>(_ type: Value.Type, _ response: TestResponse) throws -> Value {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(String(buffer: response.body).utf8))
    }

    struct TokenList: Codable { let tokens: [TokenRecord] }

    @Test("results: snake_case keys, sorted, ISO 8601 dates in whole seconds, slashes unescaped, nothing pretty-printed")
    func results() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            try await harness.client.execute(uri: "/api/v1/tokens", method: .get, headers: bearer(harness.tokens.admin)) { response in
                let text = String(buffer: response.body)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let expected = try Self.conventional(try Self.decoded(TokenList.self, response))
                #expect(text == expected)
                #expect(text.contains(#/"created_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/#))
            }
            try await harness.client.execute(uri: "/api/v1/models/fraud/versions/1", method: .get, headers: bearer(harness.tokens.viewer)) {
                response in
                let text = String(buffer: response.body)
                let expected = try Self.conventional(try Self.decoded(ModelVersion.self, response))
                #expect(text == expected)
                // A local artifact store: the URI is a path, written with plain slashes.
                #expect(text.contains(#""artifact_uri":"/"#) && !text.contains(#"\/"#), "\(text)")
                #expect(!text.contains("\n") && !text.contains("\": "))
            }
            try await harness.client.execute(uri: "/api/v1/tokens/dashboard", method: .delete, headers: bearer(harness.tokens.admin)) {
                response in
                #expect(String(buffer: response.body) == #"{"name":"dashboard","revoked":true}"#)
            }
        }
    }

    @Test("errors and probe answers keep Foundation's defaults (slashes escaped), with their keys sorted")
    func errorsAndProbes() async throws {
        let probes = [ReadinessProbe(name: "database") { nil }, ReadinessProbe(name: "artifact_store") { "s3://bucket/x: down" }]
        let metricsPort: @Sendable (inout HTTPSettings) -> Void = { $0.metricsPort = 9464 }
        try await withTestAPI(probes: probes, configure: metricsPort) { harness in
            try await harness.client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .notFound)
                let text = String(buffer: response.body)
                #expect(
                    text == #"{"error":{"code":"not_found","message":"\/metrics is served on port 9464 (NOMALY_METRICS_PORT), not on this one"}}"#,
                    "\(text)"
                )
                #expect(
                    RoleGateTests.error(response)
                        == .init(code: "not_found", message: "/metrics is served on port 9464 (NOMALY_METRICS_PORT), not on this one")
                )
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            }
            try await harness.client.execute(uri: "/health", method: .get) { response in
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            }
            try await harness.client.execute(uri: "/version", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                #expect(Self.object(response) == ["name": "nomaly", "version": "1"])
            }
            try await harness.client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(
                    Self.object(response)
                        == [
                            "status": "not_ready",
                            "checks": [
                                ["name": "database", "ok": true, "message": NSNull()], ["name": "artifact_store", "ok": false, "message": NSNull()],
                            ],
                        ]
                )
            }
            try await harness.client.execute(uri: "/ready", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                let text = String(buffer: response.body)
                #expect(
                    text
                        == #"{"checks":[{"message":null,"name":"database","ok":true},{"message":"s3:\/\/bucket\/x: down","name":"artifact_store","ok":false}],"status":"not_ready"}"#,
                    "\(text)"
                )
                #expect(!text.contains("\n") && !text.contains("\": "))
                let checks: [NSDictionary] = [
                    ["name": "database", "ok": true, "message": NSNull()], ["name": "artifact_store", "ok": false, "message": "s3://bucket/x: down"],
                ]
                #expect(Self.object(response) == ["status": "not_ready", "checks": checks])
            }
        }
    }

    /// The body as a Foundation object, for comparing content whatever the order of its keys.
    static func object(_ response: TestResponse) -> NSDictionary? {
        (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? NSDictionary
    }
}

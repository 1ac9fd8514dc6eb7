import AdminAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import JSONValues
import Observability
import Postgres
import Registry
import TestSupport
import Testing

/// Every test shares the process's one registry (`MetricsSystem.bootstrap` runs once), so each uses its own routes
/// or compares counts before and after.
@Suite("Prometheus metrics: the HTTP middleware and GET /metrics")
struct MetricsTests {
    @Test("the middleware counts requests by route pattern and status, thrown errors with their status")
    func middlewareCountsRoutePatterns() async throws {
        let endpoint = MetricsEndpoint.standard(pool: nil)
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware(metrics: endpoint.metrics))
        router.get("/middleware-test/models/{name}") { _, _ in "ok" }
        router.post("/middleware-test/models/{name}") { _, _ -> String in throw HTTPError(.conflict) }
        let unmatchedBefore = Self.value(#"http_requests_total{method="GET",route="unmatched",status="404"}"#, in: endpoint.exposition)
        try await Application(router: router).test(.router) { client in
            for name in ["a", "b", "c"] {
                try await client.execute(uri: "/middleware-test/models/\(name)", method: .get) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/middleware-test/models/a", method: .post) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/middleware-test/nothing-here", method: .get) { #expect($0.status == .notFound) }
        }
        let text = endpoint.exposition
        #expect(Self.value(#"http_requests_total{method="GET",route="/middleware-test/models/{name}",status="200"}"#, in: text) == 3)
        #expect(Self.value(#"http_requests_total{method="POST",route="/middleware-test/models/{name}",status="409"}"#, in: text) == 1)
        #expect(Self.value(#"http_request_duration_seconds_count{method="GET",route="/middleware-test/models/{name}"}"#, in: text) == 3)
        #expect(!text.contains("/middleware-test/models/a"))
        #expect(!text.contains("nothing-here"))
        let unmatchedAfter = Self.value(#"http_requests_total{method="GET",route="unmatched",status="404"}"#, in: text)
        #expect((unmatchedAfter ?? 0) >= (unmatchedBefore ?? 0) + 1)
    }

    @Test("an application wrapped withMetrics serves /metrics in the text format prometheus_client parses")
    func metricsEndpointParses() async throws {
        let app = Application(router: AdminServer.router(version: "9.9.9", probes: []))
            .withMetrics(.standard(pool: nil))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/wrapped-test/unknown", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                #expect(text.contains(#"http_requests_total{method="GET",route="/health",status="200"}"#))
                #expect(text.contains(#"http_requests_total{method="GET",route="unmatched",status="404"}"#))
                #expect(!text.contains("/wrapped-test/unknown"))
                #if os(Linux)
                #expect((Self.value("process_resident_memory_bytes", in: text) ?? 0) > 1_000_000)
                #expect((Self.value("process_open_fds", in: text) ?? 0) >= 3)
                #expect((Self.value("process_start_time_seconds", in: text) ?? 0) > 1_700_000_000)
                #expect(Self.value("process_cpu_seconds_total", in: text) != nil)
                #endif
                let parsed = try await PrometheusClientParser.parse(text)
                #expect(parsed.exitCode == 0, "prometheus_client rejected /metrics: \(parsed.output)")
                #expect(parsed.output.contains("http_requests counter"))
                #expect(parsed.output.contains("http_request_duration_seconds histogram"))
                #expect(parsed.output.contains(#"http_requests_total {"method": "GET", "route": "/health", "status": "200"}"#))
            }
            // /metrics counts itself too, under its own route.
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"http_requests_total{method="GET",route="/metrics",status="200"}"#))
            }
        }
    }

    @Test("scoring counts rows and anomalies per model; the registry collector shows live versions and where aliases point")
    func modelMetrics() async throws {
        try await withTestAPI { harness in
            // Metrics are process-wide: a model name of its own keeps the other tests' scoring out of the counts.
            let expected = try await harness.registerFraudModel(name: "metered")
            let endpoint = MetricsEndpoint.standard(pool: harness.pool, registry: harness.registry)
            let before = Self.value(#"nomaly_rows_scored_total{model="metered",source="api"}"#, in: endpoint.exposition) ?? 0
            let csv = try String(contentsOfFile: DemoData.today, encoding: .utf8)
            try await harness.client.execute(
                uri: "/api/v1/models/metered/score",
                method: .post,
                headers: bearer(harness.tokens.operatorToken, contentType: "text/csv"),
                body: ByteBuffer(string: csv)
            ) { #expect($0.status == .ok) }
            await endpoint.collect()
            let text = endpoint.exposition
            #expect(Self.value(#"nomaly_rows_scored_total{model="metered",source="api"}"#, in: text) == before + Double(expected.count))
            #expect(Self.value(#"nomaly_anomalies_total{model="metered",source="api"}"#, in: text) != nil)
            #expect(Self.value(#"nomaly_model_versions{model="metered"}"#, in: text) == 1)
            #expect(Self.value(#"nomaly_model_alias_version{model="metered",alias="production"}"#, in: text) == 1)
            let trainingRate = Self.anomalyRate(of: try await harness.registry.version(model: "metered", version: 1))
            #expect(trainingRate != nil)
            #expect(Self.value(#"nomaly_model_training_anomaly_rate{model="metered",alias="production"}"#, in: text) == trainingRate)
        }
    }

    @Test("with NOMALY_METRICS_REQUIRE_TOKEN, /metrics answers 401 without a live token and the exposition with one")
    func protectedMetrics() async throws {
        try await withTestAPI { harness in
            let app = Application(router: Router()).withMetrics(.standard(pool: nil, gate: TokenGate(tokens: TokenStore(pool: harness.pool))))
            try await app.test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/metrics", method: .get, headers: bearer("nmly_wrong")) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/metrics", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("http_requests_total"))
                }
            }
        }
    }

    /// The share of training rows a version flagged, as training recorded it.
    static func anomalyRate(of version: ModelVersion) -> Double? {
        guard case .object(let metrics) = version.metrics, case .number(let rate)? = metrics["anomaly_rate"] else { return nil }
        return rate
    }

    /// The value of the sample whose name and labels are exactly `series`.
    static func value(_ series: String, in exposition: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}

/// Runs Python's `prometheus_client` text parser over an exposition; the output lists each family's name and type
/// and each sample's name and labels.
enum PrometheusClientParser {
    static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(sys.stdin.read()):
            print(family.name, family.type)
            for sample in family.samples:
                print(sample.name, json.dumps(sample.labels, sort_keys=True), sample.value)
        """

    static func parse(_ exposition: String) async throws -> (exitCode: Int32, output: String) {
        if try await ExternalProgram.run(["python3", "-c", "import prometheus_client"]).exitCode != 0 {
            // scripts/test installs it; this covers running `swift test` directly.
            _ = try await ExternalProgram.run(["python3", "-m", "pip", "install", "--quiet", "prometheus-client"])
        }
        return try await ExternalProgram.run(["python3", "-c", script], input: exposition)
    }
}

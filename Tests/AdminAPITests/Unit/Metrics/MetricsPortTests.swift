import AdminAPI
import Foundation
import Observability
import Prometheus
import ServiceLifecycle
import TestSupport
import Testing

@Suite("NOMALY_METRICS_PORT: /metrics on a port of its own")
struct MetricsPortTests {
    static func count(_ series: String, in exposition: String?) -> Double {
        exposition?.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) } ?? 0
    }

    @Test("with a metrics port, /metrics answers there and only there, and requests to the API's port are still counted")
    func separatePort() async throws {
        let folder = try TemporaryFolder()
        let apiPort = HTTPProbe.freePort()
        var settings = HTTPSettings(scoringDirectory: folder.path)
        settings.metricsPort = HTTPProbe.freePort()
        let metricsURL = "http://127.0.0.1:\(settings.metricsPort ?? 0)/metrics"
        // A registry of its own: other tests in this process count their /version requests in the global one.
        let services = try AdminServer.services(
            host: "127.0.0.1",
            port: apiPort,
            version: "1",
            probes: [],
            api: nil,
            metrics: MetricsEndpoint(registry: HTTPMetrics.Registry(), collectors: []),
            settings: settings,
            logger: TestEnvironment.logger
        )
        #expect(services.count == 2)
        let group = ServiceGroup(configuration: .init(services: services, logger: TestEnvironment.logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }

        let versions = #"http_requests_total{method="GET",route="/version",status="200"}"#
        let before = Self.count(versions, in: await HTTPProbe.waitUntilOK(metricsURL)?.body)
        #expect(await HTTPProbe.waitUntilOK("http://127.0.0.1:\(apiPort)/version")?.status == 200)
        // A probe that timed out on a loaded machine and asked again is counted twice; one that is not counted never
        // gets past the wait.
        try await waitFor(timeout: .seconds(60)) { Self.count(versions, in: await HTTPProbe.get(metricsURL)?.body) >= before + 1 }
        let elsewhere = await HTTPProbe.get("http://127.0.0.1:\(apiPort)/metrics")
        #expect(elsewhere?.status == 404)
        #expect(elsewhere?.body.contains("served on port \(settings.metricsPort ?? 0) (NOMALY_METRICS_PORT)") == true, "\(elsewhere?.body ?? "")")
        #expect(await HTTPProbe.get("http://127.0.0.1:\(settings.metricsPort ?? 0)/version")?.status == 404)

        await group.triggerGracefulShutdown()
        _ = await running.result
    }

    @Test("without one, /metrics shares the API's port as before")
    func sharedPort() throws {
        let services = try AdminServer.services(
            host: "127.0.0.1",
            port: 0,
            version: "1",
            probes: [],
            api: nil,
            metrics: .standard(pool: nil),
            settings: HTTPSettings(scoringDirectory: "scoring"),
            logger: TestEnvironment.logger
        )
        #expect(services.count == 1)
    }
}

import AdminAPI
import App
import Settings
import Testing

@Suite("NOMALY_METRICS_PORT")
struct MetricsPortSettingTests {
    func configuration(_ variables: [String: String]) throws(ConfigurationError) -> NomalyConfiguration {
        try NomalyConfiguration(environment: Environment(variables), workingDirectory: "/srv/nomaly")
    }

    @Test("unset or empty: /metrics stays on the API's port; set: its own port")
    func parsed() throws {
        #expect(try configuration([:]).http.metricsPort == nil)
        #expect(try configuration(["NOMALY_METRICS_PORT": ""]).http.metricsPort == nil)
        #expect(try configuration(["NOMALY_METRICS_PORT": "8081"]).http.metricsPort == 8081)
    }

    @Test(
        "a port that is no port, or the API's own, is refused by name",
        arguments: [
            ["NOMALY_METRICS_PORT": "metrics"],
            ["NOMALY_METRICS_PORT": "70000"],
            ["NOMALY_METRICS_PORT": "8080"],
            ["NOMALY_METRICS_PORT": "9000", "NOMALY_HTTP_PORT": "9000"],
        ]
    )
    func refused(variables: [String: String]) {
        let error = #expect(throws: ConfigurationError.self) { try configuration(variables) }
        #expect(error?.problems.map(\.variable) == ["NOMALY_METRICS_PORT"])
    }
}

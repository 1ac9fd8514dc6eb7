import AdminAPI
import App
import ObjectStore
import Settings
import Testing

/// Settings owned by AdminAPI and ObjectStore (tested in their own targets) reach the composed configuration.
@Suite("Module settings in the composed configuration")
struct ComposedSettingsTests {
    func configuration(_ variables: [String: String]) throws(ConfigurationError) -> NomalyConfiguration {
        try NomalyConfiguration(environment: Environment(variables), workingDirectory: "/srv/nomaly")
    }

    @Test("NOMALY_TRUSTED_PROXIES is read as a comma-separated list; a bad entry is a configuration problem naming it")
    func trustedProxies() throws {
        func load(_ value: String) throws(ConfigurationError) -> NomalyConfiguration {
            try configuration(["NOMALY_TRUSTED_PROXIES": value])
        }
        let loaded = try load("10.0.0.0/8, 127.0.0.1 ,fd00::/8")
        #expect(loaded.http.trustedProxies.map(\.description) == ["10.0.0.0/8", "127.0.0.1", "fd00::/8"])
        #expect(throws: ConfigurationError.self) { try load("10.0.0.0/8,nginx") }
        let error = #expect(throws: ConfigurationError.self) { try load("10.0.0.0/99") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("NOMALY_TRUSTED_PROXIES"))
        #expect("\(error.map { "\($0)" } ?? "")".contains("prefix length"))
    }

    @Test("the scoring variables are read into the configuration, and a bad one is reported by name")
    func scoring() throws {
        let scoring = try configuration([
            "NOMALY_SCORING_S3_PREFIXES": "s3://data/scoring/in", "NOMALY_SCORING_MAX_INPUT": "2GiB", "NOMALY_SCORING_MAX_ROWS": "5000",
        ]).scoring
        #expect(scoring == ScoringSettings(s3Prefixes: ["s3://data/scoring/in/"], maxInputBytes: 2 << 30, maxRows: 5000))
        #expect(try configuration([:]).scoring == ScoringSettings())
        let error = #expect(throws: ConfigurationError.self) { try configuration(["NOMALY_SCORING_MAX_ROWS": "0"]) }
        #expect(error?.problems.map(\.variable) == ["NOMALY_SCORING_MAX_ROWS"])
    }
}

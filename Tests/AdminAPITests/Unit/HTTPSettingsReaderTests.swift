import AdminAPI
import Settings
import Testing

@Suite("HTTP and rate-limit settings read by AdminAPI")
struct HTTPSettingsReaderTests {
    @Test("paths start at the reader's working directory, defaults below NOMALY_HOME; the /invocations model is read")
    func paths() {
        var reader = SettingsReader(
            Environment(["NOMALY_HOME": "state", "NOMALY_INVOCATIONS_MODEL": "fraud@production", "NOMALY_SCORING_DIR": ""]),
            workingDirectory: "/srv/nomaly"
        )
        let defaults = HTTPSettings(reader: &reader)
        #expect(reader.problems.isEmpty)
        #expect(defaults.scoringDirectory == "/srv/nomaly/state/scoring" && defaults.invocationsModel == "fraud@production")

        var set = SettingsReader(Environment(["NOMALY_SCORING_DIR": "in/../batch"]), workingDirectory: "/srv/nomaly")
        #expect(HTTPSettings(reader: &set).scoringDirectory == "/srv/nomaly/batch")
        #expect(HTTPSettings(reader: &set).invocationsModel == nil)
    }

    @Test("rate limits: on at 60 a minute with a burst of 10 by default; off means no limiter")
    func rateLimits() {
        var reader = SettingsReader(Environment([:]))
        let defaults = RateLimitSettings(reader: &reader)
        #expect(defaults == RateLimitSettings(enabled: true, perMinute: 60, burst: 10) && defaults.makeLimiter() != nil)

        var off = SettingsReader(Environment(["RATE_LIMIT_ENABLED": "false", "RATE_LIMIT_PER_MINUTE": "600"]))
        let disabled = RateLimitSettings(reader: &off)
        #expect(disabled.perMinute == 600 && disabled.makeLimiter() == nil)
    }

    @Test("bad rate limits are refused by name, in reading order")
    func badRateLimits() {
        var reader = SettingsReader(Environment(["RATE_LIMIT_BURST": "0", "RATE_LIMIT_PER_MINUTE": "lots", "RATE_LIMIT_ENABLED": "maybe"]))
        _ = RateLimitSettings(reader: &reader)
        #expect(reader.problems.map(\.variable) == ["RATE_LIMIT_ENABLED", "RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_BURST"])
    }
}

import Logging
import Observability
import Settings
import Testing

@Suite("LOG_LEVEL and LOG_FORMAT")
struct LogSettingsTests {
    static func read(_ variables: [String: String]) -> (LogSettings, [String]) {
        var reader = SettingsReader(Environment(variables))
        let settings = LogSettings(reader: &reader)
        return (settings, reader.problems.map(\.description))
    }

    @Test("defaults: info as logfmt; a quiet command logs warnings and errors only")
    func defaults() {
        let (settings, problems) = Self.read([:])
        #expect(problems.isEmpty && settings == LogSettings())
        #expect(settings.level(quiet: false) == .info && settings.level(quiet: true) == .warning)
    }

    @Test("a level the operator set holds even for a quiet command; upper case is accepted")
    func explicitLevel() {
        let (settings, _) = Self.read(["LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"])
        #expect(settings.level == .debug && settings.format == .json && settings.levelIsExplicit)
        #expect(settings.level(quiet: true) == .debug)
    }

    @Test("an empty LOG_LEVEL is unset, not explicit")
    func emptyIsUnset() {
        #expect(Self.read(["LOG_LEVEL": ""]).0.level(quiet: true) == .warning)
    }

    @Test("bad values are refused by name, level first, and keep the defaults")
    func refused() {
        let (settings, problems) = Self.read(["LOG_FORMAT": "xml", "LOG_LEVEL": "loud"])
        #expect(
            problems == [
                "LOG_LEVEL: 'loud' is not one of trace, debug, info, notice, warning, error, critical",
                "LOG_FORMAT: 'xml' is not one of logfmt, json",
            ]
        )
        #expect(settings.level == .info && settings.format == .logfmt)
    }
}

import FileSystem
import Settings
import Testing

@Suite("NOMALY_BLOCKING_THREADS")
struct BlockingWorkSettingsTests {
    static func read(_ variables: [String: String], defaultThreads: Int) -> (BlockingWorkSettings, [String]) {
        var reader = SettingsReader(Environment(variables))
        let settings = BlockingWorkSettings(reader: &reader, defaultThreads: defaultThreads)
        return (settings, reader.problems.map(\.variable))
    }

    @Test("unset: the default the caller computed, at most 1024; set: as given")
    func threads() {
        #expect(Self.read([:], defaultThreads: 24).0.threads == 24)
        #expect(Self.read([:], defaultThreads: 5000).0.threads == BlockingWorkSettings.maximumThreads)
        #expect(Self.read(["NOMALY_BLOCKING_THREADS": "3"], defaultThreads: 24).0.threads == 3)
    }

    @Test("no integer in 1…1024 is refused by name and keeps the default", arguments: ["many", "0", "1025"])
    func refused(value: String) {
        let (settings, problems) = Self.read(["NOMALY_BLOCKING_THREADS": value], defaultThreads: 24)
        #expect(problems == ["NOMALY_BLOCKING_THREADS"] && settings.threads == 24)
    }
}

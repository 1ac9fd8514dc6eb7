import Foundation
import Logging
import Observability
import Testing

@Suite("Structured log lines")
struct StructuredLogHandlerTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        func append(_ line: String) { lock.withLock { stored.append(line) } }
        var all: [String] { lock.withLock { stored } }
    }

    func logger(_ format: StructuredLogHandler.Format, _ lines: Lines, level: Logger.Level = .info) -> Logger {
        Logger(label: "nomaly") { label in StructuredLogHandler(label: label, format: format, level: level, output: lines.append) }
    }

    @Test("logfmt quotes values with spaces, quotes, equals signs and newlines, and sorts metadata keys")
    func logfmt() throws {
        let lines = Lines()
        var log = logger(.logfmt, lines)
        log[metadataKey: "replica"] = "a"
        log.info("applied migration", metadata: ["migration": "0001_initial.sql", "note": "x=\"y\"\nz", "empty": ""])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("\n"))
        let regex = #/^ts=\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z level=info logger=nomaly msg="applied migration" /#
        #expect(line.contains(regex))
        #expect(line.contains(#"empty="" migration=0001_initial.sql note="x=\"y\"\nz" replica=a"#))
    }

    @Test("JSON lines are valid JSON with every field as a string")
    func json() throws {
        let lines = Lines()
        logger(.json, lines).warning("probe failed", metadata: ["error": "tab\there \u{1}", "attempt": "\(3)"])
        let line = try #require(lines.all.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "warning")
        #expect(object["msg"] == "probe failed")
        #expect(object["error"] == "tab\there \u{1}")
        #expect(object["attempt"] == "3")
        #expect(object["logger"] == "nomaly")
    }

    @Test("events below the level are dropped")
    func level() {
        let lines = Lines()
        let log = logger(.logfmt, lines, level: .warning)
        log.info("quiet")
        log.error("loud")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains("msg=loud") == true)
    }
}

import Foundation
import TestSupport
import Testing

/// How a block's run in bash is judged, with bash itself and no server.
@Suite("shell examples in the docs: judging a run")
struct DocScriptRunTests {
    func judge(_ body: String, language: String = "sh", marker: String = "<!-- run -->") async throws -> [String] {
        let page = DocPage(path: "p.md", text: "\(marker)\n```\(language)\n\(body)\n```\n")
        try #require(page.problems.isEmpty, "\(page.problems)")
        guard case .run(let options) = page.examples.first?.marker else { throw DocExamplesFailure(description: "not runnable") }
        let folder = try TemporaryFolder("nomaly-doc-judge")
        let script = try DocScript(page.examples[0], options: options)
        return try await script.run(page.examples[0], expectedExit: options.expectedExit, environment: ["PATH": "/usr/bin:/bin"], in: folder.path)
    }

    @Test("a block that does what the page shows passes: exit 0, the JSON shown, a session's output")
    func passing() async throws {
        #expect(try await judge(#"echo '{"status": "ok", "id": 7, "extra": true}'   # {"status":"ok","id":1}"#) == [])
        #expect(try await judge("$ printf 'a  \\nb\\n\\n'\na\nb", language: "console") == [])
    }

    @Test("a failing command is named by its line, and the rest of the block does not run (set -euo pipefail)")
    func failing() async throws {
        let problems = try await judge("true\nfalse | true\nfalse\necho never >never")
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("p.md:2: exited 1 in its command on line 4, the page expects 0") == true, "\(problems)")
    }

    @Test("expect-exit: the status must match, and it must come from the last command")
    func expectedExit() async throws {
        #expect(try await judge("true\nexit 64", marker: "<!-- run: expect-exit=64 -->") == [])
        let early = try await judge("exit 64\ntrue", marker: "<!-- run: expect-exit=64 -->")
        #expect(early.first?.contains("as expected, but before its last command (stopped on line 3)") == true, "\(early)")
        let wrong = try await judge("exit 1", marker: "<!-- run: expect-exit=64 -->")
        #expect(wrong.first?.contains("exited 1 in its command on line 3, the page expects 64") == true, "\(wrong)")
    }

    @Test("JSON and output that differ from the page are reported with the command's line")
    func differing() async throws {
        let json = try await judge("true\necho '{\"status\": \"down\"}'   # {\"status\":\"ok\",\"id\":1}")
        #expect(json == [#"p.md:4: $.id is missing; $.status is "down", the example shows "ok"\#nprinted:\#n{"status": "down"}\#n"#], "\(json)")
        let notJSON = try await judge("echo ready   # {\"status\":\"ok\"}")
        #expect(notJSON.first?.hasPrefix("p.md:3: the page shows JSON, the command printed:\nready") == true, "\(notJSON)")
        let session = try await judge("$ echo 2026-03-29\n2026-03-30", language: "console")
        #expect(session.first?.hasPrefix("p.md:3: the page shows\n2026-03-30\nthe command printed\n2026-03-29") == true, "\(session)")
    }

    @Test("placeholders are replaced before the block runs")
    func placeholdersRun() async throws {
        #expect(try await judge("test NAME = disk-usage", marker: "<!-- run: NAME=disk-usage -->") == [])
        #expect(try await judge("test NAME = disk-usage", marker: "<!-- run -->").count == 1)
    }
}

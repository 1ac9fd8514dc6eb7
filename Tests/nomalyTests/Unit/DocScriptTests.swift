import Foundation
import Testing

/// How a runnable block becomes a bash script, and how the JSON an example shows is read and compared.
@Suite("shell examples in the docs: scripts and shown JSON")
struct DocScriptTests {
    func example(_ body: String, language: String = "sh") -> DocExample {
        DocExample(page: "p.md", line: 10, language: language, body: body.components(separatedBy: "\n"), marker: .run(DocRunOptions()))
    }

    @Test("commands: continuation lines and here-documents stay one command; JSON in a trailing comment or the next line is kept")
    func commands() throws {
        let body = """
            curl -s http://127.0.0.1:8080/health     # {"status":"ok"}
            nomaly migrate --status --json    # list them for scripts
            curl -X POST -H "Authorization: Bearer $TOKEN" \\
              http://127.0.0.1:8080/api/v1/scoring-jobs
            # 202 {"job": "api.scoring", "run_id": 812}   Location: /api/v1/runs/812
            psql <<'SQL'
            SELECT 1; # not a comment of the shell
            SQL
            echo '# {"not": "a comment"}'
            """
        let script = try DocScript(example(body), options: DocRunOptions())
        #expect(script.commands.map(\.line) == [11, 12, 13, 16, 19])
        #expect(script.commands[0].shownJSON == .object([.init(name: "status", shape: .string("ok"), optional: false)]))
        #expect(script.commands[1].shownJSON == nil)
        #expect(script.commands[2].text.hasSuffix("/api/v1/scoring-jobs"))
        #expect(
            script.commands[2].shownJSON
                == .object([
                    .init(name: "job", shape: .string("api.scoring"), optional: false), .init(name: "run_id", shape: .number, optional: false),
                ])
        )
        #expect(script.commands[3].text == "psql <<'SQL'\nSELECT 1; # not a comment of the shell\nSQL")
        #expect(script.commands[3].shownJSON == nil)
        #expect(script.commands[4].shownJSON == nil, "a # inside quotes starts no comment")
        #expect(script.text.hasPrefix("set -euo pipefail\n"))
        #expect(script.text.contains("{\ncurl -s http://127.0.0.1:8080/health     # {\"status\":\"ok\"}\n} >\"$NOMALY_DOC_CAPTURE/1\"\n"))
    }

    @Test("a quoted string that spans lines keeps its command whole; a quote inside a comment opens nothing")
    func quotedLines() throws {
        let body = """
            psql "$DATABASE_URL" -c "SELECT pid FROM pg_stat_activity
                                      WHERE state = 'active'"
            nomaly jobs pause disk-usage   # don't forget to resume it
            nomaly jobs resume disk-usage
            """
        let script = try DocScript(example(body), options: DocRunOptions())
        #expect(script.commands.map(\.line) == [11, 13, 14])
        #expect(script.commands[0].text.hasSuffix("WHERE state = 'active'\""))
    }

    @Test("a session: `$ ` lines are commands, the lines under each are the output it must print")
    func session() throws {
        let body = "$ nomaly cron next \"30 2 * * *\" --count 2 \\\n> --tz UTC\n2026-03-29T02:30:00+00:00\n2026-03-30T02:30:00+00:00\n\n$ true\n"
        let script = try DocScript(example(body, language: "console"), options: DocRunOptions())
        #expect(script.commands.map(\.text) == ["nomaly cron next \"30 2 * * *\" --count 2 \\\n--tz UTC", "true"])
        #expect(script.commands.map(\.shownOutput) == ["2026-03-29T02:30:00+00:00\n2026-03-30T02:30:00+00:00", ""])
        #expect(throws: JSONShape.Unreadable.self) { try DocScript(example("output first\n$ true", language: "console"), options: DocRunOptions()) }
    }

    @Test("the field-list notation: bare names, nesting, optional names, |null and a first element standing for all")
    func fieldLists() throws {
        let shape = try #require(try JSONShape.shown(in: " [{id, run: {status}, files[{name, size?}, …], encryption{key_id}|null}]"))
        let good = try DocJSON.parse(
            #"[{"id": 1, "run": {"status": "ok"}, "files": [{"name": "a", "size": 1}, {"name": "b"}], "encryption": null}]"#
        )
        #expect(shape.mismatches(good) == [])
        let bad = try DocJSON.parse(#"[{"run": {"state": 1}, "files": [], "encryption": {}}]"#)
        #expect(
            shape.mismatches(bad) == [
                "$[0].id is missing", "$[0].run.status is missing", "$[0].files is an empty array, but the example shows elements",
            ]
        )
        #expect(try JSONShape.shown(in: "list them for scripts") == nil)
        #expect(throws: JSONShape.Unreadable.self) { try JSONShape.shown(in: "{id, 3}") }
    }

    @Test("shown JSON: strings and booleans must be equal, numbers only numbers, null stands for anything")
    func jsonValues() throws {
        let shape = try #require(try JSONShape.shown(in: #"{"status": "queued", "paused": false, "run_id": 812, "error": null}"#))
        #expect(shape.mismatches(try DocJSON.parse(#"{"status": "queued", "paused": false, "run_id": 3, "error": "x"}"#)) == [])
        #expect(
            shape.mismatches(try DocJSON.parse(#"{"status": "running", "paused": 0, "run_id": "3"}"#)) == [
                "$.error is missing", "$.paused is a number, the example shows a boolean",
                "$.run_id is a string, the example shows a number", "$.status is \"running\", the example shows \"queued\"",
            ]
        )
    }
}

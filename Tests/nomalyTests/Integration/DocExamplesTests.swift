import Foundation
import Processes
import TestSupport
import Testing

/// The docs are executed: every shell block of README.md and docs/*.md marked `<!-- run -->` runs in bash against a
/// live server, and what it shows is checked (docs/development.md, "Executable docs").
@Suite("the runnable examples of README.md and docs/, against a live nomaly serve")
struct DocExamplesTests {
    @Test("each runs in page order with set -euo pipefail; its exit status, the JSON it shows and a session's output are checked")
    func runnableExamples() async throws {
        let pages = try DocPage.all().filter(Self.selected)
        let problems = pages.flatMap(\.problems)
        try #require(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
        try await DocExamplesWorld.with { world in
            for page in pages {
                for example in page.examples {
                    guard case .run(let options) = example.marker else { continue }
                    try await check(example, options: options, in: world)
                }
            }
        }
    }

    /// `NOMALY_DOC_PAGES=docs/cli.md,README.md` runs only those pages, while editing one.
    static func selected(_ page: DocPage) -> Bool {
        guard let list = ProcessInfo.processInfo.environment["NOMALY_DOC_PAGES"], !list.isEmpty else { return true }
        return list.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == page.path }
    }

    func check(_ example: DocExample, options: DocRunOptions, in world: DocExamplesWorld) async throws {
        var options = options
        // The pages show the default address; the test's server listens on a free port.
        options.placeholders.append(.init(text: "127.0.0.1:8080", replacement: world.address))
        let script = try DocScript(example, options: options)
        let capture = try TemporaryFolder("nomaly-doc-capture")
        var environment = world.environment
        environment[DocScript.captureVariable] = capture.path
        let result = try await DocExamplesWorld.run(script.text, environment: environment, in: world.folder.path)
        let started = ((try? capture.read("started")) ?? "").split(separator: "\n").compactMap { Int($0) }
        let stoppedAt = started.last.map { script.commands[$0 - 1].line }
        let output = "stdout:\n\(result.standardOutput.suffix(3000))\nstderr:\n\(result.standardError.suffix(3000))"

        if result.status != options.expectedExit {
            let place = stoppedAt.map { " in its command on line \($0)" } ?? ""
            Issue.record("\(example): exited \(result.status)\(place), the page expects \(options.expectedExit)\n\(output)")
        } else if options.expectedExit != 0, started.last != script.commands.count {
            Issue.record("\(example): exited \(result.status) as expected, but before its last command (stopped on line \(stoppedAt ?? 0))")
        }
        for (index, command) in script.commands.enumerated() where started.contains(index + 1) {
            guard let printed = try? capture.read("\(index + 1)") else { continue }
            if let shape = command.shownJSON {
                guard let json = try? DocJSON.parse(printed) else {
                    Issue.record("\(example.page):\(command.line): the page shows JSON, the command printed:\n\(printed.prefix(2000))")
                    continue
                }
                let mismatches = shape.mismatches(json)
                if !mismatches.isEmpty {
                    Issue.record("\(example.page):\(command.line): \(mismatches.joined(separator: "; "))\nprinted:\n\(printed.prefix(2000))")
                }
            }
            if let shown = command.shownOutput, Self.normalized(printed) != Self.normalized(shown) {
                Issue.record("\(example.page):\(command.line): the page shows\n\(shown)\nthe command printed\n\(printed)")
            }
        }
    }

    /// Output as compared with a session's: trailing spaces of each line and trailing blank lines do not count.
    static func normalized(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n").map { String($0.reversed().drop { $0 == " " }.reversed()) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

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
        let runnable = pages.flatMap(\.examples).filter { if case .run = $0.marker { true } else { false } }
        #expect(!runnable.isEmpty, "no page marks an example <!-- run -->")
        try await DocExamplesWorld.with { world in
            for example in runnable {
                guard case .run(let options) = example.marker else { continue }
                try await check(example, options: options, in: world)
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
        let problems = try await script.run(example, expectedExit: options.expectedExit, environment: world.environment, in: world.folder.path)
        for problem in problems { Issue.record("\(problem)") }
    }
}

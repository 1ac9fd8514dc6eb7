import Foundation
import TestSupport

/// A fenced block of README.md or a docs/ page that shows shell commands, with the marker that says whether the
/// suite runs it (docs/development.md, "Executable docs").
///
/// A block is a shell block when its fence names `sh`, `bash`, `shell`, `zsh` or `console`, or names nothing and its
/// first line starts with `$ ` (a terminal session written without a language). Every shell block carries a marker
/// on the last non-blank line before its fence, so a new example cannot skip the decision:
///
/// ```markdown
/// <!-- run -->
/// <!-- run: expect-exit=64 -->
/// <!-- run: 20261203_010000=latest NAME=disk-usage -->
/// <!-- not-run: needs a Kubernetes cluster -->
/// ```
struct DocExample: Sendable, CustomStringConvertible {
    /// The page, relative to the repository root (`docs/cli.md`).
    let page: String
    /// 1-based line of the opening fence.
    let line: Int
    let language: String
    /// The lines between the fences, with the fence's own indentation removed.
    let body: [String]
    let marker: DocMarker?

    var description: String { "\(page):\(line)" }

    /// A terminal session: `$ command` lines, each followed by the output it prints.
    var isSession: Bool { language == "console" || language.isEmpty }

    static let shellLanguages: Set<String> = ["sh", "bash", "shell", "zsh", "console"]
}

/// What a page's markers say, or what is wrong with one, so every problem of every page is reported at once.
struct DocPage: Sendable {
    let path: String
    let examples: [DocExample]
    let problems: [DocProblem]

    /// Finds the fenced blocks of `text` and their markers.
    init(path: String, text: String) {
        self.path = path
        var examples: [DocExample] = []
        var problems: [DocProblem] = []
        let lines = text.components(separatedBy: "\n")
        var index = 0
        var pendingMarker: (line: Int, text: String)?
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let fence = Self.openingFence(line) else {
                if DocMarker.looksLikeMarker(trimmed) {
                    if let stray = pendingMarker {
                        problems.append(DocProblem(page: path, line: stray.line, message: "a marker that no shell block follows"))
                    }
                    pendingMarker = (index + 1, trimmed)
                } else if !trimmed.isEmpty, let stray = pendingMarker {
                    problems.append(DocProblem(page: path, line: stray.line, message: "a marker that no shell block follows"))
                    pendingMarker = nil
                }
                index += 1
                continue
            }
            var body: [String] = []
            var closing = index + 1
            while closing < lines.count, !Self.isClosingFence(lines[closing], ticks: fence.ticks) {
                body.append(String(lines[closing].dropFirst(min(fence.indent, Self.leadingSpaces(lines[closing])))))
                closing += 1
            }
            let firstLine = body.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            let isShell = DocExample.shellLanguages.contains(fence.language) || (fence.language.isEmpty && firstLine.hasPrefix("$ "))
            if isShell {
                var marker: DocMarker?
                if let pending = pendingMarker {
                    do { marker = try DocMarker(parsing: pending.text) } catch {
                        problems.append(DocProblem(page: path, line: pending.line, message: "\(error)"))
                    }
                } else {
                    problems.append(
                        DocProblem(
                            page: path,
                            line: index + 1,
                            message: "a shell block without a marker: put <!-- run --> or <!-- not-run: why --> on the line before its fence"
                        )
                    )
                }
                examples.append(DocExample(page: path, line: index + 1, language: fence.language, body: body, marker: marker))
            } else if let stray = pendingMarker {
                problems.append(DocProblem(page: path, line: stray.line, message: "a marker before a block that is not a shell block"))
            }
            pendingMarker = nil
            index = closing + 1
        }
        if let stray = pendingMarker {
            problems.append(DocProblem(page: path, line: stray.line, message: "a marker that no shell block follows"))
        }
        self.examples = examples
        self.problems = problems
    }

    static func openingFence(_ line: String) -> (indent: Int, ticks: Int, language: String)? {
        let indent = leadingSpaces(line)
        let rest = line.dropFirst(indent)
        let ticks = rest.prefix { $0 == "`" }.count
        guard indent < 4, ticks >= 3 else { return nil }
        let info = rest.dropFirst(ticks).trimmingCharacters(in: .whitespaces)
        return (indent, ticks, String(info.prefix { !$0.isWhitespace }).lowercased())
    }

    static func isClosingFence(_ line: String, ticks: Int) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count >= ticks && trimmed.allSatisfy { $0 == "`" }
    }

    static func leadingSpaces(_ line: String) -> Int { line.prefix { $0 == " " }.count }

    /// README.md, then every page of docs/ by name: the order the live test runs them in, one page after another on
    /// the same server, as an operator reading them would.
    static func all(in root: String = TestEnvironment.repositoryRoot) throws -> [DocPage] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root + "/docs").filter { $0.hasSuffix(".md") }.sorted()
        return try (["README.md"] + docs.map { "docs/" + $0 }).map { relative in
            DocPage(path: relative, text: try String(contentsOfFile: root + "/" + relative, encoding: .utf8))
        }
    }
}

/// A mistake in a page's markers, located like a compiler's message.
struct DocProblem: Sendable, Equatable, CustomStringConvertible {
    let page: String
    let line: Int
    let message: String

    var description: String { "\(page):\(line): \(message)" }
}

/// The examples could not be prepared or read at all.
struct DocExamplesFailure: Error, CustomStringConvertible {
    let description: String
}

import Foundation
import Processes
import TestSupport

extension DocScript {
    /// Runs the script in bash in `folder` and says what differs from the page: the exit status, the JSON shown, a
    /// session's output; empty when the block did what the page shows. A block that hangs is stopped after ten
    /// minutes with everything it started (`timeout` signals its process group), so a broken example fails the suite
    /// instead of stalling it.
    func run(_ example: DocExample, expectedExit: Int32, environment: [String: String], in folder: String) async throws -> [String] {
        let capture = try TemporaryFolder("nomaly-doc-capture")
        let result = try await Self.bash(text, environment: environment.merging([Self.captureVariable: capture.path]) { _, new in new }, in: folder)
        let started = ((try? capture.read("started")) ?? "").split(separator: "\n").compactMap { Int($0) }
        let stoppedAt = started.last.map { commands[$0 - 1].line }
        var problems: [String] = []
        if result.status != expectedExit {
            let place = stoppedAt.map { " in its command on line \($0)" } ?? ""
            problems.append(
                "\(example): exited \(result.status)\(place), the page expects \(expectedExit)\n"
                    + "stdout:\n\(result.standardOutput.suffix(3000))\nstderr:\n\(result.standardError.suffix(3000))"
            )
        } else if expectedExit != 0, started.last != commands.count {
            problems.append("\(example): exited \(result.status) as expected, but before its last command (stopped on line \(stoppedAt ?? 0))")
        }
        for (index, command) in commands.enumerated() where started.contains(index + 1) {
            guard let printed = try? capture.read("\(index + 1)") else { continue }
            if let shape = command.shownJSON {
                guard let json = try? DocJSON.parse(printed) else {
                    problems.append("\(example.page):\(command.line): the page shows JSON, the command printed:\n\(printed.prefix(2000))")
                    continue
                }
                let mismatches = shape.mismatches(json)
                if !mismatches.isEmpty {
                    problems.append("\(example.page):\(command.line): \(mismatches.joined(separator: "; "))\nprinted:\n\(printed.prefix(2000))")
                }
            }
            if let shown = command.shownOutput, Self.normalized(printed) != Self.normalized(shown) {
                problems.append("\(example.page):\(command.line): the page shows\n\(shown)\nthe command printed\n\(printed)")
            }
        }
        return problems
    }

    /// Runs `script` with `bash -c` in `folder`, stopped after ten minutes.
    static func bash(_ script: String, environment: [String: String], in folder: String) async throws -> ChildProcess.Result {
        let child = try ChildProcess.spawn(
            ["timeout", "--kill-after=10", "600", "bash", "-c", script],
            environment: environment,
            workingDirectory: folder
        )
        return await NomalyProcess.collect(child)
    }

    /// Output as compared with a session's: trailing spaces of each line and trailing blank lines do not count.
    static func normalized(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n").map { String($0.reversed().drop { $0 == " " }.reversed()) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

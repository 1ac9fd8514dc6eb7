import App
import ArgumentParser
import Foundation
import Scheduler
import Units

extension JobsCommand {
    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask every running `nomaly serve` replica to read its jobs folder again, and show what each did.",
            discussion: """
                `nomaly serve` also reloads jobs/ by itself when a file in it changes and on SIGHUP; use this where \
                neither reaches it (a file system without inotify, symbolic links changed elsewhere, several replicas \
                at once). Each replica that runs a scheduler on this database reads its own folder, judges the whole \
                set, and either writes it in one transaction or refuses it and keeps the jobs it had; it answers with \
                what it did. Running runs finish under the spec they started with. Every replica must read the same \
                files: when their answers show different sets, the catalogue holds the set of whichever wrote last, \
                and this command says so. Exits 0 when at least one replica answered and every answer was applied \
                or unchanged from one and the same set, 1 otherwise. The replicas log each reload ("job files \
                reloaded") and count it in nomaly_job_reloads_total{trigger, outcome}.
                """
        )

        @Option(help: "How long to wait for the replicas' answers, e.g. 5s (replicas register nowhere, so all of it).")
        var wait = "5s"

        @Flag(help: "Print an array of answers {replica, outcome, folder, digest, counts, changes, problems, problem_count, request}.")
        var json = false

        func validate() throws {
            guard let duration = parseDuration(wait), duration > .zero else {
                throw ValidationError("--wait: '\(wait)' is not a positive duration such as 5s")
            }
        }

        func run() async throws {
            let json = json
            let answers = try await Runtime.load().requestJobReload(wait: parseDuration(wait) ?? .seconds(5)) { answer in
                if !json { print(Self.describe(answer)) }
            }
            if json { try JSONOutput.print(answers) }
            if let problem = Self.problem(with: answers, waited: wait) { throw CommandFailure(problem) }
        }

        /// One replica's answer as lines for a terminal.
        static func describe(_ answer: JobReloadAnswer) -> String {
            let set = answer.digest.map { "  set \($0.prefix(12))" } ?? ""
            let head = "\(answer.replica)  \(answer.outcome.rawValue)  \(answer.folder)" + set
            switch answer.outcome {
            case .applied, .unchanged:
                if let changes = answer.changes { return head + "\n  " + changes.summary }
                let counts = answer.counts.map { "\($0.added) added, \($0.changed) changed, \($0.removed) removed, \($0.unchanged) unchanged" }
                return head + (counts.map { "\n  " + $0 } ?? "")
            case .refused, .failed:
                let more = answer.problemCount > answer.problems.count ? ["… \(answer.problemCount - answer.problems.count) more in its log"] : []
                return ([head] + (answer.problems + more).map { "  " + $0 }).joined(separator: "\n")
            }
        }

        /// Why the answers are not a clean reload of one set by every replica, if they are not.
        static func problem(with answers: [JobReloadAnswer], waited: String) -> String? {
            guard !answers.isEmpty else {
                return "no replica answered within \(waited): is `nomaly serve` (with its scheduler) running against this database? "
                    + "Its log says \"job files reloaded\" when it reloads"
            }
            let notReloaded = answers.filter { $0.outcome == .refused || $0.outcome == .failed }
            if !notReloaded.isEmpty {
                return "\(notReloaded.count) of \(answers.count) replicas kept their jobs as they were: "
                    + notReloaded.map { "\($0.replica) \($0.outcome.rawValue)" }.joined(separator: ", ")
            }
            if Set(answers.map(\.digest)).count > 1 {
                return "the replicas read different job files (see the folders above), so the jobs are those of whichever wrote last; "
                    + "give every replica the same jobs folder"
            }
            return nil
        }
    }
}

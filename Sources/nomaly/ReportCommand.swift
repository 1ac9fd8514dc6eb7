import App
import ArgumentParser
import Backup
import Foundation
import Maintenance

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The weekly operations report: jobs, models, database size, backup freshness.",
        discussion: """
            Per job: success rate, duration p50/p95 of successful runs in the window, last success. Per model: live \
            versions and aliases. The database's size and largest tables. The newest succeeded and verified backups.
            """
    )

    @Option(help: "Days of run history to summarise.")
    var days: Int = 7

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard (1...3650).contains(days) else { throw ValidationError("--days must be between 1 and 3650") }
    }

    func run() async throws {
        let report = try await Runtime.load().operationsReport(days: days)
        if json { return try JSONOutput.print(report) }
        print("Nomaly report, last \(days) day(s), \(ISO8601DateFormatter().string(from: report.generatedAt))\n")
        print("JOB".padding(toLength: 28, withPad: " ", startingAt: 0) + "RUNS  SUCCESS   P50       P95       LAST SUCCESS")
        for job in report.jobs {
            let rate = job.successRate.map { String(format: "%5.1f%%", $0 * 100) } ?? "    - "
            let cells = [
                (job.name + (job.paused ? " (paused)" : "")).padding(toLength: 28, withPad: " ", startingAt: 0),
                String(job.finished).padding(toLength: 6, withPad: " ", startingAt: 0),
                rate.padding(toLength: 10, withPad: " ", startingAt: 0),
                Self.seconds(job.durationP50Seconds).padding(toLength: 10, withPad: " ", startingAt: 0),
                Self.seconds(job.durationP95Seconds).padding(toLength: 10, withPad: " ", startingAt: 0),
                job.lastSuccessAt.map { ISO8601DateFormatter().string(from: $0) } ?? "never",
            ]
            print(cells.joined())
        }
        print("\nMODELS")
        for model in report.models {
            print(
                "  \(model.name): \(model.versions) version(s), latest \(model.latestVersion.map(String.init) ?? "-"); \(model.aliases.isEmpty ? "no aliases" : model.aliases.joined(separator: ", "))"
            )
        }
        print("\nDATABASE \(ProgressBar.bytes(report.databaseBytes)); largest tables:")
        for table in report.largestTables { print("  \(table.name) \(ProgressBar.bytes(table.bytes))") }
        let backups = report.backups
        print("\nBACKUPS")
        print("  newest:          \(backups.newestSucceeded ?? "none")" + Self.ago(backups.newestSucceededAt))
        print("  newest verified: \(backups.newestVerified ?? "none")" + Self.ago(backups.newestVerifiedAt))
        print("  failed in the window: \(backups.failedInWindow)")
    }

    static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 1 ? String(format: "%.0f ms", value * 1000) : String(format: "%.1f s", value)
    }

    static func ago(_ date: Date?) -> String {
        guard let date else { return "" }
        return String(format: " (%.1f h ago)", Date().timeIntervalSince(date) / 3600)
    }
}

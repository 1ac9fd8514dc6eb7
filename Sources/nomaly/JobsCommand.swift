import App
import ArgumentParser
import Foundation
import JSONValues
import Scheduler

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, inspect, trigger, pause and resume scheduled jobs, and read their runs.",
        discussion: """
            Jobs are defined in jobs/*.yaml (NOMALY_JOBS_DIR) and loaded into the database by `nomaly serve`; these \
            commands work on the database, so they see every replica's runs. Listing commands take --json.
            """,
        subcommands: [List.self, Show.self, Run.self, Pause.self, Resume.self, History.self, Logs.self, Cancel.self, Reload.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every job with its schedule, zone, next fire and last status.")

        @Flag(help: "Print an array of {name, kind, schedule, timezone, paused, enabled, next_fire_at, last_status, retry_pending, …}.")
        var json = false

        func run() async throws {
            let rows = try await Runtime.load().withJobs { try await $0.list() }
            if json { return try JSONOutput.print(rows) }
            printColumns(
                header: ["NAME", "KIND", "SCHEDULE", "ZONE", "NEXT", "LAST", "RUNNING"],
                rows: rows.map { row in
                    let job = row.job
                    let next =
                        !job.enabled
                        ? "disabled"
                        : job.paused ? "paused" : job.origin == .api ? "on demand" : row.nextFireAt.map(TimeText.absolute) ?? "never"
                    var last = job.lastStatus.map { "\($0.rawValue) \(TimeText.ago(job.lastFinishedAt))" } ?? "-"
                    // What the JobFailing alert reads: a pending retry means the job has not given up yet.
                    if job.retryPending, job.lastStatus?.isFailure == true { last += ", retry queued" }
                    return [job.name, job.kind, job.schedule, job.timezone, next, last, String(job.running)]
                }
            )
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A job's spec, state, next fire times and recent runs.")

        @Argument(help: "The job's name.")
        var name: String

        @Flag(help: "Print {name, spec, paused, enabled, next_fires, recent_runs}.")
        var json = false

        func run() async throws {
            let details = try await Runtime.load().withJobs { try await $0.details(of: name) }
            if json { return try JSONOutput.print(details) }
            let row = details.row
            print("job:       \(row.name) (\(row.kind))")
            print("schedule:  \(row.schedule) in \(row.timezone): \(details.explanation)")
            print("state:     \(row.removedAt != nil ? "removed" : !row.enabled ? "disabled" : row.paused ? "paused" : "active")")
            print("spec:      \(row.spec.json)")
            print("next:      \(details.nextFires.map { TimeText.absolute($0, in: details.timeZone ?? .gmt) }.joined(separator: ", "))")
            print("")
            History.printRuns(details.recentRuns)
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop queuing a job's slots; missed slots follow its misfire policy when resumed. Manual runs still run."
        )
        @Argument(help: "The job's name.") var name: String

        func run() async throws {
            try await Runtime.load().withJobs { try await $0.setPaused(true, job: name) }
            print("paused \(name)")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a paused job's slots again.")
        @Argument(help: "The job's name.") var name: String

        func run() async throws {
            try await Runtime.load().withJobs { try await $0.setPaused(false, job: name) }
            print("resumed \(name)")
        }
    }
}

/// Times as operators read them in tables.
enum TimeText {
    static func absolute(_ date: Date) -> String { absolute(date, in: .current) }

    static func absolute(_ date: Date, in zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func ago(_ date: Date?) -> String {
        guard let date else { return "" }
        let seconds = Int(Date().timeIntervalSince(date))
        switch seconds {
        case ..<60: return "\(seconds)s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86_400: return "\(seconds / 3600)h ago"
        default: return "\(seconds / 86_400)d ago"
        }
    }
}

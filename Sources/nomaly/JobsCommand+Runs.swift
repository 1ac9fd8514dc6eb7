import App
import ArgumentParser
import Foundation
import Scheduler
import Units

extension JobsCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a run of a job now; with --wait, wait for it and exit 0 only if it succeeded.",
            discussion: """
                The run is executed by a `nomaly serve` replica (any of them). Manual runs start even while the job is \
                paused. With --wait the exit status is 0 for succeeded and 1 for any other end (failed, timed_out, \
                cancelled, skipped, lost); the run id is printed first, so `nomaly jobs logs ID` can follow up.
                """
        )

        @Argument(help: "The job's name.") var name: String

        @Flag(help: "Wait until the run has ended and reflect its outcome in the exit status.")
        var wait = false

        @Option(help: "With --wait, give up waiting after this long (e.g. 10m); the run itself goes on.")
        var timeout: String?

        @Flag(help: "Print {id, status, error} as JSON.")
        var json = false

        struct Outcome: Encodable {
            let id: Int64
            let status: RunStatus
            let error: String?
        }

        func validate() throws {
            _ = try waitLimit
            if timeout != nil && !wait { throw ValidationError("--timeout applies only with --wait") }
        }

        private var waitLimit: Duration? {
            get throws { try timeout.map { try OptionValues.duration($0, option: "--timeout") } }
        }

        func run() async throws {
            let limit = try waitLimit
            let final = try await Runtime.load().withJobs { jobs -> RunRecord? in
                let id = try await jobs.trigger(name)
                if !json { print("queued run \(id) of \(name)") }
                guard wait else {
                    if json { try JSONOutput.print(Outcome(id: id, status: .queued, error: nil)) }
                    return nil
                }
                let record = try await jobs.waitForEnd(of: id, timeout: limit) {
                    FileHandle.standardError.write(Data("run \(id) is not claimed yet: is a `nomaly serve` scheduler running?\n".utf8))
                }
                guard record.status.isFinal else {
                    throw CommandFailure("run \(id) is still \(record.status.rawValue) after \(timeout ?? ""); it goes on")
                }
                return record
            }
            guard let final else { return }
            if json {
                try JSONOutput.print(Outcome(id: final.id, status: final.status, error: final.error))
            } else {
                print("run \(final.id) \(final.status.rawValue)" + (final.error.map { ": \($0)" } ?? ""))
            }
            if final.status != .succeeded { throw ExitCode.failure }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A job's runs, newest first.")

        @Argument(help: "The job's name.") var name: String
        @Option(help: "How many runs (1–1000).") var limit = 20
        @Option(help: "Only runs with this status (\(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))).", transform: Self.runStatus)
        var status: RunStatus?
        @Flag(help: "Print an array of runs {id, job_name, scheduled_at, attempt, trigger, status, started_at, finished_at, error, …}.")
        var json = false

        func validate() throws {
            try OptionValues.checkLimit(limit)
        }

        static func runStatus(_ text: String) throws -> RunStatus {
            guard let value = RunStatus(rawValue: text) else {
                throw ValidationError("not a run status; one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }

        func run() async throws {
            let runs = try await Runtime.load().withJobs { try await $0.history(of: name, status: status, limit: limit) }
            if json { try JSONOutput.print(runs) } else { Self.printRuns(runs) }
        }

        static func printRuns(_ runs: [RunRecord]) {
            printColumns(
                header: ["ID", "SCHEDULED", "ATTEMPT", "TRIGGER", "STATUS", "SECONDS", "ERROR"],
                rows: runs.map { run in
                    [
                        String(run.id), TimeText.absolute(run.scheduledAt), String(run.attempt), run.trigger, run.status.rawValue,
                        run.durationSeconds.map { String(format: "%.1f", $0) } ?? "-", String((run.error ?? "").prefix(80)),
                    ]
                }
            )
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A run's output (the kept tail) and outcome.",
            discussion: "Output of a running run is saved with each heartbeat; the last part of very long output is kept."
        )

        @Argument(help: "The run's id.") var id: Int64
        @Flag(help: "Print {run, log_tail}.") var json = false

        struct Output: Encodable {
            let run: RunRecord
            let logTail: String?
        }

        func run() async throws {
            let (record, tail) = try await Runtime.load().withJobs { try await $0.logs(of: id) }
            if json { return try JSONOutput.print(Output(run: record, logTail: tail)) }
            FileHandle.standardError.write(
                Data("run \(record.id) of \(record.jobName): \(record.status.rawValue)\(record.error.map { " (\($0))" } ?? "")\n".utf8)
            )
            print(tail ?? "", terminator: tail?.hasSuffix("\n") == false ? "\n" : "")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a queued run, or stop a running one (its process group is terminated); it ends as cancelled."
        )

        @Argument(help: "The run's id.") var id: Int64

        func run() async throws {
            let status = try await Runtime.load().withJobs { jobs in
                try await jobs.cancel(id, reason: "cancelled by an operator (nomaly jobs cancel)")
            }
            print(status == .cancelled ? "cancelled run \(id)" : "asked the worker of run \(id) to stop it")
        }
    }
}

import Foundation
import JSONValues
import Logging
import Processes
package import Scheduler

/// `kind: command` — runs an executable with arguments, without a shell.
///
/// ```yaml
/// kind: command
/// with:
///   command: [/usr/local/bin/rotate-logs, --keep, "7"]
///   workdir: /var/log/app
///   env: {LOG_LEVEL: info}
/// ```
/// The process starts in its own process group with a small, explicit environment (``environment(for:with:inherited:)``).
/// Its output goes to the run's log tail. On timeout or cancellation the whole group gets SIGTERM, then SIGKILL after
/// `kill_grace` (default 10s); when the command exits, anything it left running in its group is terminated too.
package struct CommandKind: JobKind {
    package let name = "command"

    package init() {}

    package func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        let command = settings.requiredStrings("command")
        let workdir = settings.string("workdir")
        let env = settings.stringMap("env") ?? [:]
        let killGrace = settings.duration("kill_grace") ?? .seconds(10)
        if let workdir, !workdir.hasPrefix("/") {
            settings.report(JobSpecError(key: "with.workdir", message: "must be an absolute path"))
        }
        try settings.stopIfInvalid()
        return CommandRun(command: command, workdir: workdir, env: env, killGrace: killGrace)
    }

    /// The locale a command gets when the daemon has none: present on every glibc system (built in since 2.35), UTF-8
    /// bytes with the POSIX rules for everything else, so a command's output does not depend on the host.
    package static let defaultLocale = "C.UTF-8"

    /// A command's whole environment: `PATH` (the daemon's, or the standard folders), `HOME` (the daemon's, when it has
    /// one), `LANG` and `LC_ALL`, `TZ` (the job's zone as the file names it: `UTC`, `Europe/Berlin`), `NOMALY_JOB`,
    /// `NOMALY_RUN_ID`, `NOMALY_ATTEMPT`, `NOMALY_SCHEDULED_AT`, `NOMALY_TRIGGER`, then the job's `env` and `with.env`.
    /// Nothing else of the daemon's environment (no `DATABASE_URL`, no credentials) reaches it.
    ///
    /// `LANG` is the daemon's, or ``defaultLocale``; `LC_ALL` the daemon's, or that `LANG`: always set, so the command
    /// runs in the locale the daemon runs in whatever variables its own shell would have read, and in C.UTF-8 when
    /// the daemon has none (a container's empty environment).
    /// - Parameter inherited: the daemon's environment.
    package static func environment(for context: RunContext, with env: [String: String], inherited: [String: String]) -> [String: String] {
        let language = inherited["LANG"] ?? defaultLocale
        var environment: [String: String] = [
            "PATH": inherited["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": language,
            "LC_ALL": inherited["LC_ALL"] ?? language,
            // As written, not Foundation's name for it: TimeZone reports UTC as "GMT".
            "TZ": context.job.timeZoneName,
            "NOMALY_JOB": context.job.name,
            "NOMALY_RUN_ID": String(context.runID),
            "NOMALY_ATTEMPT": String(context.attempt),
            "NOMALY_SCHEDULED_AT": ISO8601DateFormatter().string(from: context.scheduledAt),
            "NOMALY_TRIGGER": context.trigger,
        ]
        environment["HOME"] = inherited["HOME"]
        environment.merge(context.job.env) { _, new in new }
        environment.merge(env) { _, new in new }
        return environment
    }
}

struct CommandRun: JobRunnable {
    let command: [String]
    let workdir: String?
    let env: [String: String]
    let killGrace: Duration

    func run(_ context: RunContext) async throws -> RunOutcome {
        let (status, outputBytes): (Int32, Int)
        do {
            (status, outputBytes) = try await ChildProcess.supervise(
                command,
                environment: CommandKind.environment(for: context, with: env, inherited: ProcessInfo.processInfo.environment),
                workingDirectory: workdir,
                killGrace: killGrace
            ) { [command] child in
                context.logger.debug("command started", metadata: ["pid": "\(child.pid)", "command": "\(command.joined(separator: " "))"])
                var outputBytes = 0
                let status = child.stream { bytes in
                    outputBytes += bytes.count
                    context.log.append(bytes)
                }
                return (status, outputBytes)
            }
        } catch let error as ChildProcessError {
            throw JobFailure("cannot start \(command[0]): \(error)")
        }
        let result = JSONValue.object(["exit_code": .integer(Int64(status)), "output_bytes": .integer(Int64(outputBytes))])
        guard status == 0 else {
            let reason = status > 128 ? "killed by signal \(status - 128)" : "exited with status \(status)"
            throw JobFailure("\(command[0]) \(reason)", exitCode: status, result: result)
        }
        return RunOutcome(result: result, exitCode: status)
    }
}

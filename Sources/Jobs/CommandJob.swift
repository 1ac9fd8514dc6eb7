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
/// The process starts in its own process group with a small, explicit environment (`PATH`, `HOME`, `LANG`,
/// `TZ` = the job's zone, `NOMALY_JOB`, `NOMALY_RUN_ID`, `NOMALY_ATTEMPT`, `NOMALY_SCHEDULED_AT`,
/// `NOMALY_TRIGGER`, then the job's `env` and `with.env`). Its output goes to the run's log tail. On timeout
/// or cancellation the whole group gets SIGTERM, then SIGKILL after `kill_grace` (default 10s); when the command
/// exits, anything it left running in its group is terminated too.
package struct CommandKind: JobKind {
    package let name = "command"

    package init() {}

    package func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        let command = try settings.requiredStrings("command")
        let workdir = try settings.string("workdir")
        let env = try settings.stringMap("env") ?? [:]
        let killGrace = try settings.duration("kill_grace") ?? .seconds(10)
        if let workdir, !workdir.hasPrefix("/") {
            throw JobSpecError(key: "with.workdir", message: "must be an absolute path")
        }
        return CommandRun(command: command, workdir: workdir, env: env, killGrace: killGrace)
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
                environment: environment(context),
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

    func environment(_ context: RunContext) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var environment: [String: String] = [
            "PATH": inherited["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "TZ": context.job.timeZone.identifier,
            "NOMALY_JOB": context.job.name,
            "NOMALY_RUN_ID": String(context.runID),
            "NOMALY_ATTEMPT": String(context.attempt),
            "NOMALY_SCHEDULED_AT": ISO8601DateFormatter().string(from: context.scheduledAt),
            "NOMALY_TRIGGER": context.trigger,
        ]
        for name in ["HOME", "LANG", "LC_ALL"] { environment[name] = inherited[name] }
        environment.merge(context.job.env) { _, new in new }
        environment.merge(env) { _, new in new }
        return environment
    }
}

import Foundation
import Jobs
import Logging
import Scheduler
import TestSupport
import Testing

@Suite("kind: command")
struct CommandJobTests {
    func context(_ yaml: String = "", log: RunLog = RunLog()) throws -> (RunContext, any JobRunnable) {
        let kinds = BuiltInKinds.registry(pool: nil)
        let job = try JobSpecLoader(kinds: kinds).load("kind: command\nschedule: \"@daily\"\n" + yaml, file: "jobs/cmd.yaml", defaultName: "cmd")
        var settings = JobSettings(job.settings)
        let runnable = try kinds["command"]!.prepare(&settings)
        let context = RunContext(
            job: job,
            runID: 42,
            attempt: 2,
            scheduledAt: Date(timeIntervalSince1970: 1_795_953_600),
            trigger: "manual",
            logger: TestEnvironment.logger,
            log: log
        )
        return (context, runnable)
    }

    @Test("runs without a shell, captures stdout and stderr, and passes a small, explicit environment")
    func output() async throws {
        let log = RunLog()
        let (context, runnable) = try context(
            """
            env: {FROM_JOB: a, SHARED: job}
            with:
              command: [sh, -c, 'echo "$NOMALY_JOB $NOMALY_RUN_ID $NOMALY_ATTEMPT $NOMALY_SCHEDULED_AT $TZ $FROM_JOB $SHARED $FROM_WITH"; echo oops >&2; pwd; echo "${DATABASE_URL:-no-secrets}"', ignored-argument]
              workdir: /tmp
              env: {FROM_WITH: b, SHARED: with}
            timezone: Europe/Berlin
            """,
            log: log
        )
        let outcome = try await runnable.run(context)
        #expect(outcome.exitCode == 0)
        let lines = log.tail.split(separator: "\n").map(String.init)
        #expect(lines.contains("cmd 42 2 2026-11-29T12:00:00Z Europe/Berlin a with b"))
        #expect(lines.contains("oops"))
        #expect(lines.contains("/tmp"))
        #expect(lines.contains("no-secrets"))
    }

    @Test("a command's shell sees descriptors 0, 1 and 2 only: nothing of the daemon's sockets, pipes or files")
    func onlyStandardDescriptors() async throws {
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        let log = RunLog()
        let (context, runnable) = try context("with:\n  command: [sh, -c, 'ls /proc/$$/fd']\n", log: log)
        _ = try await runnable.run(context)
        #expect(log.tail.split(separator: "\n") == ["0", "1", "2"])
    }

    @Test("a non-zero exit fails the run with the status; a missing program fails with a clear reason")
    func failures() async throws {
        let (failing, runnable) = try context("with:\n  command: [sh, -c, 'echo partial; exit 7']\n")
        let error = await #expect(throws: JobFailure.self) { try await runnable.run(failing) }
        #expect(error?.message == "sh exited with status 7")
        #expect(error?.exitCode == 7)
        #expect(failing.log.tail == "partial\n")
        let (missing, nothing) = try context("with:\n  command: [/nonexistent/program]\n")
        let missingError = await #expect(throws: JobFailure.self) { try await nothing.run(missing) }
        #expect(missingError?.message.contains("cannot start /nonexistent/program") == true)
    }

    @Test("cancellation terminates the whole process group, background children included")
    func killsProcessGroup() async throws {
        let marker = "\(Int.random(in: 100_000...999_999)).5"
        let (context, runnable) = try context("with:\n  command: [sh, -c, 'sleep \(marker) & sleep \(marker) & wait']\n  kill_grace: 2s\n")
        let task = Task { try await runnable.run(context) }
        // Wait for both background sleeps to exist; on a loaded machine the shell may take a while to start them.
        let deadline = ContinuousClock.now + .seconds(30)
        while processes(matching: marker).count < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(processes(matching: marker).count == 2)
        task.cancel()
        let result = await task.result
        guard case .failure(let error as JobFailure) = result else {
            Issue.record("expected the command to be killed, got \(result)")
            return
        }
        // The sleeps would last days: that the run ended at all shows the group was signalled.
        #expect(error.message == "sh killed by signal 15")
        try await waitFor(timeout: .seconds(30)) { processes(matching: marker).isEmpty }
    }

    @Test("children a command leaves behind when it exits do not outlive the run")
    func reapsLeftovers() async throws {
        let marker = "\(Int.random(in: 100_000...999_999)).25"
        let (context, runnable) = try context("with:\n  command: [sh, -c, 'sleep \(marker) > /dev/null 2>&1 & echo started']\n")
        _ = try await runnable.run(context)
        // The group got SIGTERM before the run returned; the sleep is gone once the kernel delivered it.
        try await waitFor(timeout: .seconds(30)) { processes(matching: marker).isEmpty }
    }

    @Test(
        "settings are checked when the job is loaded",
        arguments: [
            ("with:\n  command: []\n", "with.command: is required and must be a non-empty list"),
            ("with:\n  command: ls\n", "with.command: must be a list of strings"),
            ("with:\n  command: [ls]\n  workdir: relative\n", "with.workdir: must be an absolute path"),
            ("with:\n  command: [ls]\n  shell: true\n", "with.shell: unknown key; known keys: command, env, kill_grace, workdir"),
        ]
    )
    func settings(yaml: String, message: String) {
        let error = #expect(throws: JobSpecError.self) { try context(yaml) }
        #expect(error.map { $0.key.map { "\($0): " } ?? "" }.map { $0 + (error?.message ?? "") } == message)
    }
}

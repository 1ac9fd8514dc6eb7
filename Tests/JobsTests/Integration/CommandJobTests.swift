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

    @Test(
        "TZ is the job's zone as written (UTC, not GMT) and LC_ALL is always set",
        arguments: [("", "UTC"), ("timezone: UTC\n", "UTC"), ("timezone: Etc/UTC\n", "Etc/UTC"), ("timezone: Asia/Kathmandu\n", "Asia/Kathmandu")]
    )
    func zoneAndLocale(yaml: String, zone: String) async throws {
        let log = RunLog()
        let (context, runnable) = try context(yaml + "with:\n  command: [sh, -c, 'echo \"$TZ ${LC_ALL-unset} ${LANG-unset}\"']\n", log: log)
        _ = try await runnable.run(context)
        let inherited = ProcessInfo.processInfo.environment
        let language = inherited["LANG"] ?? "C.UTF-8"
        #expect(log.tail == "\(zone) \(inherited["LC_ALL"] ?? language) \(language)\n")
    }

    @Test("the locale is the daemon's, made explicit, or C.UTF-8 when it has none; a job's env has the last word")
    func localeRule() throws {
        let (context, _) = try context("with:\n  command: [env]\n")
        func locale(_ inherited: [String: String], with env: [String: String] = [:]) -> [String?] {
            let environment = CommandKind.environment(for: context, with: env, inherited: inherited)
            return [environment["LANG"], environment["LC_ALL"]]
        }
        #expect(locale([:]) == ["C.UTF-8", "C.UTF-8"])
        #expect(locale(["LANG": "de_DE.UTF-8"]) == ["de_DE.UTF-8", "de_DE.UTF-8"])
        #expect(locale(["LC_ALL": "C"]) == ["C.UTF-8", "C"])
        #expect(locale(["LANG": "de_DE.UTF-8", "LC_ALL": "fr_FR.UTF-8"]) == ["de_DE.UTF-8", "fr_FR.UTF-8"])
        #expect(locale([:], with: ["LC_ALL": "C"]) == ["C.UTF-8", "C"])
        let bare = CommandKind.environment(for: context, with: [:], inherited: ["DATABASE_URL": "postgres://secret", "LC_NUMERIC": "de_DE"])
        #expect(
            Set(bare.keys) == [
                "PATH", "LANG", "LC_ALL", "TZ", "NOMALY_JOB", "NOMALY_RUN_ID", "NOMALY_ATTEMPT", "NOMALY_SCHEDULED_AT", "NOMALY_TRIGGER",
            ]
        )
        #expect(bare["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        #expect(CommandKind.environment(for: context, with: [:], inherited: ["HOME": "/srv/nomaly"])["HOME"] == "/srv/nomaly")
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

    @Test("every mistake in with: is reported at once; a misspelt command is not also a missing one")
    func everyMistake() {
        let error = #expect(throws: JobSpecLoadError.self) {
            try context("with:\n  comand: [ls]\n  workdir: relative\n  kill_grace: soon\n  env: {A: [1]}\n")
        }
        #expect(
            error?.problems.map { "\($0.line ?? 0): \($0.key ?? ""): \($0.message)" } == [
                "4: with.comand: unknown key (did you mean 'command'?); known keys: command, env, kill_grace, workdir",
                "5: with.workdir: must be an absolute path",
                "6: with.kill_grace: 'soon' is not a duration such as 30s, 15m or 1h30m",
                "7: with.env.A: must be a string",
            ]
        )
    }

    @Test(
        "settings are checked when the job is loaded",
        arguments: [
            ("with:\n  command: []\n", "with.command: is required and must be a non-empty list"),
            ("with:\n  command: ls\n", "with.command: must be a list of strings"),
            ("with:\n  command: [ls]\n  workdir: relative\n", "with.workdir: must be an absolute path"),
            ("with:\n  command: [ls]\n  shell: true\n", "with.shell: unknown key; known keys: command, env, kill_grace, workdir"),
            ("with: [ls]\n", "with: must be a mapping"),
        ]
    )
    func settings(yaml: String, message: String) {
        let error = #expect(throws: JobSpecLoadError.self) { try context(yaml) }
        #expect(error?.problems.map { ($0.key.map { "\($0): " } ?? "") + $0.message } == [message])
    }
}

import Foundation
import Postgres
import Processes
import TestSupport
import Testing

/// `nomaly serve` reading jobs/ again while it runs: on a change in the folder, on SIGHUP and on `nomaly jobs reload`.
@Suite("Job files reload without a restart (real serve, real inotify, real NOTIFY)")
struct JobReloadTests {
    /// A running `nomaly serve` on a scratch database, with what it said once stopped.
    struct Served {
        let process: ChildProcess
        let output: Task<ChildProcess.Result, Never>
        let port: Int

        func stop() async -> ChildProcess.Result {
            process.signal(SIGTERM)
            return await output.value
        }
    }

    static func write(_ text: String, to path: String) throws {
        // As an editor saves: a temporary file renamed over the old one.
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func yearly(_ command: String) -> String {
        "kind: command\nschedule: \"@yearly\"\nwith: {command: [sh, -c, '\(command)']}\n"
    }

    /// Starts serve and waits until its reloader listens (its LISTEN is the last statement of a session of the
    /// scratch database) and the catalogue holds `jobs` file jobs.
    static func serve(
        _ arguments: [String] = ["serve"],
        jobs: String,
        scratch: ScratchDatabase,
        pool: PostgresPool,
        expecting count: Int
    ) async throws -> Served {
        let port = HTTPProbe.freePort()
        let environment = ["DATABASE_URL": scratch.connectionString, "NOMALY_JOBS_DIR": jobs, "NOMALY_HTTP_PORT": "\(port)"]
        let process = try NomalyProcess.start(arguments, environment: environment)
        let served = Served(process: process, output: Task { await NomalyProcess.collect(process) }, port: port)
        try await waitFor(timeout: .seconds(120)) {
            let listening = try await pool.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %nomaly_jobs_reload%'",
                [scratch.name]
            ).first!.decode(Int.self)
            let loaded = try await fileJobs(pool).count
            return listening > 0 && loaded == count
        }
        return served
    }

    static func fileJobs(_ pool: PostgresPool) async throws -> [String] {
        try await pool.query("SELECT name FROM jobs WHERE origin = 'file' AND removed_at IS NULL ORDER BY name").decode(String.self)
    }

    static func specHash(_ pool: PostgresPool, _ job: String) async throws -> String? {
        try await pool.query("SELECT spec_hash FROM jobs WHERE name = $1", [job]).first?.decode(String.self)
    }

    /// The value of `nomaly_job_reloads_total{trigger, outcome}` in the server's /metrics (0 before the first).
    static func reloads(port: Int, trigger: String, outcome: String) async -> Int {
        let body = await HTTPProbe.get("http://127.0.0.1:\(port)/metrics")?.body ?? ""
        let line = body.split(separator: "\n").first {
            $0.hasPrefix("nomaly_job_reloads_total{") && $0.contains("trigger=\"\(trigger)\"") && $0.contains("outcome=\"\(outcome)\"")
        }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }.map { Int($0) } ?? 0
    }

    @Test(
        "a change in the folder, SIGHUP and `nomaly jobs reload` each apply the new set; an invalid set is refused and the old one kept",
        .timeLimit(.minutes(5))
    )
    func reloads() async throws {
        let jobs = try TemporaryFolder("reload-jobs")
        let outside = try TemporaryFolder("reload-outside")
        try Self.write(Self.yearly("echo steady"), to: jobs.path + "/steady.yaml")
        // A job file that is a link to a file elsewhere: inotify on jobs/ cannot see its target change.
        try Self.write(Self.yearly("echo linked one"), to: outside.path + "/linked.yaml")
        try FileManager.default.createSymbolicLink(atPath: jobs.path + "/linked.yaml", withDestinationPath: outside.path + "/linked.yaml")

        try await ScratchDatabase.withSchema { pool, scratch in
            let served = try await Self.serve(jobs: jobs.path, scratch: scratch, pool: pool, expecting: 2)
            let cli = ["DATABASE_URL": scratch.connectionString, "LOG_LEVEL": "warning"]

            // A new file is picked up by itself.
            try Self.write(Self.yearly("echo added"), to: jobs.path + "/added.yaml")
            try await waitFor(timeout: .seconds(60)) { try await Self.fileJobs(pool) == ["added", "linked", "steady"] }
            #expect(await Self.reloads(port: served.port, trigger: "files", outcome: "applied") >= 1)

            // One broken file refuses the whole set: the valid new file is not written either, the old spec stays.
            let steadyHash = try await Self.specHash(pool, "steady")
            try Self.write("kind: command\nschedule: \"every day\"\nwith: {command: [sh, -c, 'echo broken']}\n", to: jobs.path + "/steady.yaml")
            try Self.write(Self.yearly("echo valid but held back"), to: jobs.path + "/held.yaml")
            try await waitFor(timeout: .seconds(60)) { await Self.reloads(port: served.port, trigger: "files", outcome: "refused") >= 1 }
            #expect(try await Self.fileJobs(pool) == ["added", "linked", "steady"])
            #expect(try await Self.specHash(pool, "steady") == steadyHash)

            // Fixed: the set goes in, the file that was held back with it.
            try Self.write(Self.yearly("echo steady again"), to: jobs.path + "/steady.yaml")
            try await waitFor(timeout: .seconds(60)) { try await Self.fileJobs(pool) == ["added", "held", "linked", "steady"] }
            #expect(try await Self.specHash(pool, "steady") != steadyHash)

            // SIGHUP reads the folder again: the linked file's new target is applied.
            let linkedHash = try await Self.specHash(pool, "linked")
            try Self.write(Self.yearly("echo linked two"), to: outside.path + "/linked.yaml")
            served.process.signal(SIGHUP)
            try await waitFor(timeout: .seconds(60)) { try await Self.specHash(pool, "linked") != linkedHash }
            #expect(await Self.reloads(port: served.port, trigger: "signal", outcome: "applied") == 1)

            // `nomaly jobs reload` asks the replica and shows its answer.
            try Self.write(Self.yearly("echo linked three"), to: outside.path + "/linked.yaml")
            let reload = try await NomalyProcess.run(["jobs", "reload", "--wait", "3s"], environment: cli)
            #expect(reload.status == 0, "\(reload.combinedOutput)")
            #expect(reload.standardOutput.contains("applied  \(jobs.path)"), "\(reload.standardOutput)")
            #expect(reload.standardOutput.contains("0 added, 1 changed (linked), 0 removed, 3 unchanged"), "\(reload.standardOutput)")
            #expect(
                try await pool.query("SELECT spec->'with'->'command'->>2 FROM jobs WHERE name = 'linked'").first!.decode(String.self)
                    == "echo linked three"
            )

            let again = try await NomalyProcess.run(["jobs", "reload", "--wait", "3s", "--json"], environment: cli)
            #expect(again.status == 0, "\(again.combinedOutput)")
            let answers = try #require(try JSONSerialization.jsonObject(with: Data(again.standardOutput.utf8)) as? [[String: Any]])
            #expect(answers.count == 1)
            #expect(answers.first?["outcome"] as? String == "unchanged")
            #expect((answers.first?["counts"] as? [String: Any])?["unchanged"] as? Int == 4)
            #expect(answers.first?["problems"] as? [Any] != nil)
            #expect(answers.first?.keys.contains("digest") == true)

            // A broken file makes `nomaly jobs reload` exit 1 and name the mistake.
            try Self.write("kind: command\nschedule: \"@yearly\"\nwith: {command: [sh, -c, 'x']}\ntimeout: soon\n", to: jobs.path + "/held.yaml")
            let refused = try await NomalyProcess.run(["jobs", "reload", "--wait", "3s"], environment: cli)
            #expect(refused.status == 1, "\(refused.combinedOutput)")
            #expect(refused.standardOutput.contains("refused"), "\(refused.standardOutput)")
            #expect(refused.standardOutput.contains("held.yaml:4"), "\(refused.standardOutput)")
            #expect(refused.standardError.contains("kept their jobs as they were"), "\(refused.standardError)")

            // The folder renamed away and another put in its place (a deploy that swaps folders): the jobs stay until
            // the new folder is there, then it is watched and read.
            try FileManager.default.moveItem(atPath: jobs.path, toPath: jobs.path + ".old")
            defer { try? FileManager.default.removeItem(atPath: jobs.path + ".old") }
            try FileManager.default.createDirectory(atPath: jobs.path, withIntermediateDirectories: false)
            try Self.write(Self.yearly("echo replaced"), to: jobs.path + "/replacement.yaml")
            try await waitFor(timeout: .seconds(60)) { try await Self.fileJobs(pool) == ["replacement"] }

            let result = await served.stop()
            #expect(result.status == 0, "\(result.combinedOutput)")
            #expect(result.standardError.contains("the jobs folder was removed or renamed"), "\(result.standardError)")
            #expect(result.standardError.contains("watching the jobs folder again"), "\(result.standardError)")
            #expect(
                result.standardError.contains("job files reloaded: 1 added (added), 0 changed, 0 removed, 2 unchanged"),
                "\(result.standardError)"
            )
            #expect(result.standardError.contains("job files not reloaded"), "\(result.standardError)")
            #expect(result.standardError.contains("steady.yaml:2"), "the refusal names the file and line: \(result.standardError)")
        }
    }

    @Test(
        "a run of a changed job finishes under the spec it started with; a removed job's run finishes and nothing of it runs after",
        .timeLimit(.minutes(5))
    )
    func runningRuns() async throws {
        let jobs = try TemporaryFolder("reload-runs")
        let gates = try TemporaryFolder("reload-gates")
        // Each run waits for its gate file, so it is surely running while the test edits the files.
        func gated(_ gate: String, then text: String, schedule: String = "@yearly") -> String {
            "kind: command\nschedule: \"\(schedule)\"\nwith: {command: [sh, -c, 'while [ ! -e \(gates.path)/\(gate) ]; do sleep 0.05; done; echo \(text)']}\n"
        }
        try Self.write(gated("edit", then: "spec one"), to: jobs.path + "/edited.yaml")
        try Self.write(gated("leave", then: "still here", schedule: "* * * * * *") + "concurrency: forbid\n", to: jobs.path + "/leaving.yaml")
        try Self.write("kind: command\nschedule: \"* * * * * *\"\nconcurrency: allow\nwith: {command: [\"true\"]}\n", to: jobs.path + "/ticker.yaml")

        try await ScratchDatabase.withSchema { pool, scratch in
            let served = try await Self.serve(["serve", "--no-api"], jobs: jobs.path, scratch: scratch, pool: pool, expecting: 3)
            let cli = ["DATABASE_URL": scratch.connectionString, "LOG_LEVEL": "warning"]
            func run(_ id: Int) async throws -> (status: String, log: String?) {
                let row = try await pool.query("SELECT status, log_tail FROM job_runs WHERE id = $1", [id]).first!
                return (try row.decode(String.self, column: "status"), try row.decode(String?.self, column: "log_tail"))
            }

            // Changed while running.
            let first = try await NomalyProcess.run(["jobs", "run", "edited", "--json"], environment: cli)
            let firstID = try #require((try JSONSerialization.jsonObject(with: Data(first.standardOutput.utf8)) as? [String: Any])?["id"] as? Int)
            try await waitFor(timeout: .seconds(60)) { try await run(firstID).status == "running" }
            let before = try await Self.specHash(pool, "edited")
            try Self.write(gated("edit", then: "spec two"), to: jobs.path + "/edited.yaml")
            try await waitFor(timeout: .seconds(60)) { try await Self.specHash(pool, "edited") != before }
            try Self.write("", to: gates.path + "/edit")
            try await waitFor(timeout: .seconds(60)) { try await run(firstID).status == "succeeded" }
            #expect(try await run(firstID).log == "spec one\n", "the running run kept the spec it was claimed with")
            let second = try await NomalyProcess.run(["jobs", "run", "edited", "--wait"], environment: cli)
            #expect(second.status == 0, "\(second.combinedOutput)")
            let secondID = try #require(Int(second.standardOutput.split(separator: " ").dropFirst(2).first ?? ""))
            #expect(try await run(secondID).log == "spec two\n", "the next run has the new spec")

            // Removed while running.
            let leavingRun = {
                try await pool.query("SELECT id FROM job_runs WHERE job_name = 'leaving' AND status = 'running'").first?.decode(Int.self)
            }
            try await waitFor(timeout: .seconds(60)) { try await leavingRun() != nil }
            let running = try #require(try await leavingRun())
            try FileManager.default.removeItem(atPath: jobs.path + "/leaving.yaml")
            try await waitFor(timeout: .seconds(60)) {
                try await pool.query("SELECT removed_at IS NOT NULL FROM jobs WHERE name = 'leaving'").first!.decode(Bool.self)
            }
            let removedAt = try await pool.query("SELECT removed_at FROM jobs WHERE name = 'leaving'").first!.decode(Date.self)
            #expect(try await run(running).status == "running", "removing the file does not stop its running run")
            try Self.write("", to: gates.path + "/leave")
            try await waitFor(timeout: .seconds(60)) { try await run(running).status == "succeeded" }
            #expect(try await run(running).log == "still here\n")
            // The every-second ticker paces the check: three more of its slots after the removal, and nothing of
            // `leaving` was queued or started after it.
            try await waitFor(timeout: .seconds(60)) {
                try await pool.query(
                    "SELECT count(*) FROM job_runs WHERE job_name = 'ticker' AND status = 'succeeded' AND scheduled_at > $1",
                    [removedAt.addingTimeInterval(2)]
                ).first!.decode(Int.self) >= 3
            }
            let afterwards = try await pool.query(
                """
                SELECT count(*) FROM job_runs
                WHERE job_name = 'leaving' AND status <> 'skipped' AND (status = 'queued' OR started_at > $1 OR scheduled_at > $1)
                """,
                [removedAt]
            ).first!.decode(Int.self)
            #expect(afterwards == 0, "a removed job's future slots stop")

            let result = await served.stop()
            #expect(result.status == 0, "\(result.combinedOutput)")
            #expect(result.standardError.contains("1 removed (leaving)"), "\(result.standardError)")
        }
    }

    @Test("`nomaly jobs reload` names replicas that read different files, and says when no replica answered", .timeLimit(.minutes(5)))
    func replicas() async throws {
        let first = try TemporaryFolder("reload-replica-a")
        let second = try TemporaryFolder("reload-replica-b")
        try Self.write(Self.yearly("echo same"), to: first.path + "/same.yaml")
        try Self.write(Self.yearly("echo same"), to: second.path + "/same.yaml")

        try await ScratchDatabase.withSchema { pool, scratch in
            let cli = ["DATABASE_URL": scratch.connectionString, "LOG_LEVEL": "warning"]
            let nobody = try await NomalyProcess.run(["jobs", "reload", "--wait", "1s"], environment: cli)
            #expect(nobody.status == 1)
            #expect(nobody.standardError.contains("no replica answered within 1s"), "\(nobody.standardError)")
            let badWait = try await NomalyProcess.run(["jobs", "reload", "--wait", "soon"], environment: cli)
            #expect(badWait.status == 64, "\(badWait.combinedOutput)")
            #expect(badWait.standardError.contains("--wait: 'soon'"), "\(badWait.standardError)")

            let a = try await Self.serve(["serve", "--no-api"], jobs: first.path, scratch: scratch, pool: pool, expecting: 1)
            let b = try await Self.serve(["serve", "--no-api"], jobs: second.path, scratch: scratch, pool: pool, expecting: 1)
            try await waitFor(timeout: .seconds(60)) {
                try await pool.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %nomaly_jobs_reload%'",
                    [scratch.name]
                ).first!.decode(Int.self) == 2
            }
            let agreed = try await NomalyProcess.run(["jobs", "reload", "--wait", "3s"], environment: cli)
            #expect(agreed.status == 0, "\(agreed.combinedOutput)")
            #expect(agreed.standardOutput.components(separatedBy: "unchanged  ").count == 3, "both replicas answer: \(agreed.standardOutput)")

            // Replica B's folder differs (a change inotify reported is applied by B alone and stays).
            try Self.write(Self.yearly("echo only on b"), to: second.path + "/extra.yaml")
            try await waitFor(timeout: .seconds(60)) { try await Self.fileJobs(pool) == ["extra", "same"] }
            let differing = try await NomalyProcess.run(["jobs", "reload", "--wait", "3s"], environment: cli)
            #expect(differing.status == 1, "\(differing.combinedOutput)")
            #expect(differing.standardOutput.contains(first.path) && differing.standardOutput.contains(second.path), "\(differing.standardOutput)")
            #expect(differing.standardError.contains("the replicas read different job files"), "\(differing.standardError)")

            for replica in [a, b] {
                let result = await replica.stop()
                #expect(result.status == 0, "\(result.combinedOutput)")
            }
        }
    }
}

@Suite("SIGHUP on a replica without a scheduler")
struct HangupWithoutSchedulerTests {
    @Test("`serve --no-scheduler` logs that it has nothing to reload and keeps serving", .timeLimit(.minutes(3)))
    func ignored() async throws {
        try await ScratchDatabase.withSchema { _, scratch in
            let port = HTTPProbe.freePort()
            let serve = try NomalyProcess.start(
                ["serve", "--no-scheduler"],
                environment: ["DATABASE_URL": scratch.connectionString, "NOMALY_HTTP_PORT": "\(port)"]
            )
            let output = Task { await NomalyProcess.collect(serve) }
            #expect(await HTTPProbe.waitUntilOK("http://127.0.0.1:\(port)/health")?.status == 200)
            serve.signal(SIGHUP)
            serve.signal(SIGHUP)
            #expect(await HTTPProbe.get("http://127.0.0.1:\(port)/health")?.status == 200, "SIGHUP must not end the replica")
            serve.signal(SIGTERM)
            let result = await output.value
            #expect(result.status == 0, "\(result.combinedOutput)")
            #expect(result.standardError.contains("SIGHUP ignored: this replica runs no scheduler"), "\(result.standardError)")
        }
    }
}

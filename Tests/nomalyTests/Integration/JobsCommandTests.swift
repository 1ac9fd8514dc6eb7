import Foundation
import Postgres
import Processes
import TestSupport
import Testing

@Suite("nomaly jobs, against a running scheduler")
struct JobsCommandTests {
    @Test("run --wait reflects the run in its exit status; list, history, logs, pause and resume work, with --json")
    func jobsCommands() async throws {
        let jobs = "/tmp/" + TestEnvironment.uniqueName("cli-jobs")
        try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: jobs) }
        try "kind: command\nschedule: \"@yearly\"\nwith: {command: [sh, -c, 'echo all good']}\n"
            .write(toFile: jobs + "/ok.yaml", atomically: true, encoding: .utf8)
        try "kind: command\nschedule: \"@yearly\"\nwith: {command: [sh, -c, 'echo about to fail >&2; exit 4']}\n"
            .write(toFile: jobs + "/broken.yaml", atomically: true, encoding: .utf8)

        try await ScratchDatabase.withSchema { pool, scratch in
            let environment = ["DATABASE_URL": scratch.connectionString, "NOMALY_JOBS_DIR": jobs]
            let serve = try NomalyProcess.start(["serve", "--no-api"], environment: environment)
            let served = Task { await NomalyProcess.collect(serve) }
            defer { serve.signal(SIGTERM) }
            let cli = ["DATABASE_URL": scratch.connectionString, "LOG_LEVEL": "warning"]
            try await waitFor(timeout: .seconds(120)) { try await pool.query("SELECT count(*) FROM jobs").first!.decode(Int.self) >= 2 }

            let ok = try await NomalyProcess.run(["jobs", "run", "ok", "--wait"], environment: cli)
            #expect(ok.status == 0, "\(ok.combinedOutput)")
            #expect(ok.standardOutput.contains("succeeded"))
            let broken = try await NomalyProcess.run(["jobs", "run", "broken", "--wait", "--json"], environment: cli)
            #expect(broken.status == 1)
            let outcome = try #require(try JSONSerialization.jsonObject(with: Data(broken.standardOutput.utf8)) as? [String: Any])
            #expect(outcome["status"] as? String == "failed")
            #expect(outcome["error"] as? String == "sh exited with status 4")
            let runID = try #require(outcome["id"] as? Int)

            let logs = try await NomalyProcess.run(["jobs", "logs", "\(runID)"], environment: cli)
            #expect(logs.standardOutput == "about to fail\n")
            #expect(logs.standardError.contains("run \(runID) of broken: failed (sh exited with status 4)"))

            let history = try await NomalyProcess.run(["jobs", "history", "broken", "--json"], environment: cli)
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.standardOutput.utf8)) as? [[String: Any]])
            #expect(runs.first?["exit_code"] as? Int == 4)
            #expect(runs.first?["trigger"] as? String == "manual")

            #expect(try await NomalyProcess.run(["jobs", "pause", "ok"], environment: cli).status == 0)
            let listed = try await NomalyProcess.run(["jobs", "list", "--json"], environment: cli)
            let everything = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
            // api.scoring holds the runs POST /api/v1/scoring-jobs creates; it is listed, with no next fire time.
            let apiJob = try #require(everything.first { $0["name"] as? String == "api.scoring" })
            #expect(apiJob["origin"] as? String == "api" && apiJob["next_fire_at"] is NSNull)
            let list = everything.filter { $0["origin"] as? String == "file" }
            #expect(list.map { $0["name"] as? String } == ["broken", "ok"])
            #expect(list.last?["paused"] as? Bool == true)
            #expect(list.last?["last_status"] as? String == "succeeded")
            #expect(list.first?["next_fire_at"] is String)
            let table = try await NomalyProcess.run(["jobs", "list"], environment: cli)
            #expect(table.standardOutput.contains("paused"))
            #expect(table.standardOutput.contains("on demand"))
            #expect(try await NomalyProcess.run(["jobs", "resume", "ok"], environment: cli).status == 0)

            let unknown = try await NomalyProcess.run(["jobs", "run", "nope"], environment: cli)
            #expect(unknown.status == 1)
            #expect(unknown.standardError.contains("no job named 'nope'"))

            serve.signal(SIGTERM)
            #expect(await served.value.status == 0)
        }
    }

    @Test("serve refuses to start with broken job files, naming each problem")
    func brokenJobFiles() async throws {
        let jobs = "/tmp/" + TestEnvironment.uniqueName("bad-jobs")
        try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: jobs) }
        try "kind: command\nschedule: \"61 * * * *\"\nwith: {command: [ls]}\n".write(toFile: jobs + "/a.yaml", atomically: true, encoding: .utf8)
        try await ScratchDatabase.with { _, scratch in
            let result = try await NomalyProcess.run(
                ["serve", "--no-api", "--jobs", jobs],
                environment: ["DATABASE_URL": scratch.connectionString]
            )
            #expect(result.status == 1)
            #expect(result.standardError.contains("a.yaml:2:11: schedule: field 1 (minute): 61 is out of range 0–59"))
            let neither = try await NomalyProcess.run(["serve", "--no-api", "--no-scheduler"])
            #expect(neither.status == 64)
        }
    }
}

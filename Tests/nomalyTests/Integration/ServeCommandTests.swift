import Foundation
import Postgres
import Processes
import TestSupport
import Testing

@Suite("nomaly serve on the embedded default")
struct ServeCommandTests {
    /// Command lines of running postgres processes whose data directory lies under `home`.
    func postgresProcesses(under home: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> String? in
            guard Int(entry) != nil, let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return commandLine.contains("postgres") && commandLine.contains(home) ? commandLine : nil
        }
    }

    @Test("answers /health and /ready with a private cluster, and on SIGTERM stops leaving no postgres behind")
    func embeddedServe() async throws {
        let home = "/tmp/" + TestEnvironment.uniqueName("nomaly-serve")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: home) }
        let port = HTTPProbe.freePort()
        let serve = try NomalyProcess.start(["serve"], environment: ["NOMALY_HOME": home, "NOMALY_HTTP_PORT": "\(port)"])
        let collected = Task { await NomalyProcess.collect(serve) }

        let health = await HTTPProbe.waitUntilOK("http://127.0.0.1:\(port)/health")
        #expect(health?.status == 200)
        #expect(health?.body == #"{"status":"ok"}"#)
        let ready = await HTTPProbe.get("http://127.0.0.1:\(port)/ready")
        #expect(ready?.status == 200, "\(ready?.body ?? "no answer")")
        #expect(ready?.body.contains(#""status":"ready""#) == true)
        #expect(!postgresProcesses(under: home).isEmpty, "the embedded cluster should be running")

        serve.signal(SIGTERM)
        let result = await collected.value
        #expect(result.status == 0, "\(result.combinedOutput)")
        #expect(result.standardError.contains("nomaly stopped"))
        // The service group stops the cluster, and the clean-up after it must not stop it a second time.
        #expect(result.standardError.components(separatedBy: "stopping the embedded Postgres cluster").count == 2, "\(result.standardError)")
        #expect(postgresProcesses(under: home).isEmpty, "postgres processes left behind: \(postgresProcesses(under: home))")
        #expect(FileManager.default.fileExists(atPath: home + "/postgres/data/PG_VERSION"))
    }

    /// Starts `nomaly serve` in `directory`, waits until it is ready, stops it with SIGTERM and returns what it said.
    func serveUntilReady(in directory: String, environment: [String: String]) async throws -> ChildProcess.Result {
        let port = HTTPProbe.freePort()
        let environment = environment.merging(["NOMALY_HOME": directory + "/home", "NOMALY_HTTP_PORT": "\(port)"]) { _, new in new }
        let serve = try NomalyProcess.start(["serve"], environment: environment, workingDirectory: directory)
        let collected = Task { await NomalyProcess.collect(serve) }
        let ready = await HTTPProbe.waitUntilOK("http://127.0.0.1:\(port)/ready")
        #expect(ready?.status == 200, "\(ready?.body ?? "no answer")")
        serve.signal(SIGTERM)
        return await collected.value
    }

    @Test("with no jobs folder, serve runs with no jobs, says so once, and leaves the database's jobs as they are")
    func withoutJobsFolder() async throws {
        let elsewhere = try TemporaryFolder("nomaly-elsewhere")
        try await ScratchDatabase.with { pool, scratch in
            // Unset NOMALY_JOBS_DIR and no ./jobs: a binary started away from the repository, on a new database.
            let bare = try await serveUntilReady(in: elsewhere.path, environment: ["DATABASE_URL": scratch.connectionString])
            #expect(bare.status == 0, "\(bare.combinedOutput)")
            #expect(bare.standardError.components(separatedBy: "no jobs folder").count == 2, "\(bare.standardError)")
            #expect(bare.standardError.contains("folder=\(elsewhere.path)/jobs"), "\(bare.standardError)")
            #expect(bare.standardError.contains("scheduler started"), "\(bare.standardError)")
            #expect(try await pool.query("SELECT count(*) FROM jobs WHERE origin = 'file'").first!.decode(Int.self) == 0)

            // NOMALY_JOBS_DIR naming no folder, on a database whose catalogue holds a job: the job is not retired.
            try await pool.execute("INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('nightly', 'command', '0 2 * * *', 'h')")
            let environment = ["DATABASE_URL": scratch.connectionString, "NOMALY_JOBS_DIR": elsewhere.path + "/nowhere"]
            let pointed = try await serveUntilReady(in: elsewhere.path, environment: environment)
            #expect(pointed.status == 0, "\(pointed.combinedOutput)")
            #expect(pointed.standardError.components(separatedBy: "no jobs folder").count == 2, "\(pointed.standardError)")
            #expect(pointed.standardError.contains("folder=\(elsewhere.path)/nowhere"), "\(pointed.standardError)")
            let removed = try await pool.query("SELECT removed_at IS NOT NULL FROM jobs WHERE name = 'nightly'").first!.decode(Bool.self)
            #expect(!removed, "a missing jobs folder must not retire the jobs other replicas run")
        }
    }

    @Test("with an unreachable database, serve retries until NOMALY_DB_STARTUP_TIMEOUT and then exits 1 saying why")
    func unreachableDatabase() async throws {
        let result = try await NomalyProcess.run(
            ["serve"],
            environment: [
                "DATABASE_URL": "postgresql://nomaly@127.0.0.1:1/nomaly?connect_timeout=2", "NOMALY_DB_STARTUP_TIMEOUT": "2s",
                "NOMALY_HTTP_PORT": "0",
            ]
        )
        #expect(result.status == 1)
        #expect(result.standardError.contains("waiting for the database"))
        #expect(result.standardError.contains("error: cannot connect to Postgres"))
    }
}

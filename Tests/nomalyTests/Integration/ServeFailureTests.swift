import Foundation
import Postgres
import Processes
import TestSupport
import Testing

/// `nomaly serve` facing an operator's mistakes and an unreachable dependency, run as the built binary.
@Suite("nomaly serve with a bad configuration or an unreachable S3 artifact store")
struct ServeFailureTests {
    struct Readiness: Decodable {
        struct Check: Decodable {
            let name: String
            let ok: Bool
        }
        let checks: [Check]
    }

    @Test("a bad configuration stops serve before it starts anything: exit 1, every bad variable named")
    func badConfiguration() async throws {
        let result = try await NomalyProcess.run(
            ["serve"],
            environment: [
                // A database that would refuse the connection: serve must stop before it tries.
                "DATABASE_URL": "postgresql://nomaly@127.0.0.1:1/nomaly?connect_timeout=2",
                "WORKERS": "0", "NOMALY_HTTP_PORT": "notaport", "NOMALY_BACKUP_S3": "https://offsite/nomaly/",
            ]
        )
        #expect(result.status == 1, "\(result.combinedOutput)")
        // The runbook quotes these lines: an operator searches docs/operations.md for what serve printed.
        let runbook = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/docs/operations.md", encoding: .utf8)
        for line in ["error: invalid configuration:", "  - WORKERS: '0' is not an integer in 1…1000", "run `nomaly check` for the full report"] {
            #expect(result.standardError.contains(line), "\(result.standardError)")
            #expect(runbook.contains(line), "docs/operations.md does not show \(line)")
        }
        #expect(result.standardError.contains("NOMALY_HTTP_PORT: 'notaport' is not an integer in 0…65535"), "\(result.standardError)")
        #expect(
            result.standardError.contains("NOMALY_BACKUP_S3: 'https://offsite/nomaly/' is not an s3://bucket/prefix URL"),
            "\(result.standardError)"
        )
        #expect(result.standardError.contains("nomaly check"), "it points at the full report")
        #expect(!result.standardError.contains("waiting for the database"), "\(result.standardError)")
    }

    /// An S3 outage is a dependency being down, not a mistake: serve keeps running, reports itself not ready and
    /// recovers when S3 does. Only a stopped server exits, and then cleanly.
    @Test("an unreachable S3 artifact store leaves serve up but not ready, /ready naming the check; SIGTERM exits 0")
    func unreachableArtifactStore() async throws {
        try await ScratchDatabase.with { _, scratch in
            let home = try TemporaryFolder("nomaly-s3-down")
            let port = HTTPProbe.freePort()
            let serve = try NomalyProcess.start(
                ["serve"],
                environment: [
                    "DATABASE_URL": scratch.connectionString, "NOMALY_HOME": home.path, "NOMALY_HTTP_PORT": "\(port)",
                    // Port 1 refuses every connection.
                    "NOMALY_ARTIFACTS": "s3://artifacts/models/", "S3_ENDPOINT": "http://127.0.0.1:1", "S3_FORCE_PATH_STYLE": "true",
                    "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "S3_MAX_ATTEMPTS": "1",
                ]
            )
            let collected = Task { await NomalyProcess.collect(serve) }
            // Wait until everything but S3 is up (the schema is migrated at start), then look at the answer.
            var answer: (status: Int, body: String, checks: [Readiness.Check])?
            try await waitFor(timeout: .seconds(120)) {
                guard let reply = await HTTPProbe.get("http://127.0.0.1:\(port)/ready"),
                    let checks = try? JSONDecoder().decode(Readiness.self, from: Data(reply.body.utf8)).checks
                else { return false }
                answer = (reply.status, reply.body, checks)
                return checks.allSatisfy { $0.ok || $0.name == "artifact_store" }
            }
            let ready = try #require(answer)
            #expect(ready.status == 503, "\(ready.body)")
            #expect(ready.checks.first { $0.name == "artifact_store" }?.ok == false, "\(ready.body)")
            #expect(ready.checks.first { $0.name == "database" }?.ok == true, "\(ready.body)")
            #expect(await HTTPProbe.get("http://127.0.0.1:\(port)/health")?.status == 200)
            serve.signal(SIGTERM)
            let result = await collected.value
            #expect(result.status == 0, "\(result.combinedOutput)")
        }
    }
}

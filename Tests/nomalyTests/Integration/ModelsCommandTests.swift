import Foundation
import Postgres
import Processes
import TestSupport
import Testing

@Suite("nomaly models and nomaly score NAME@ALIAS, against a real database")
struct ModelsCommandTests {
    @Test("register, promote with --expect, rollback, history, versions, download and score by alias; every --json parses")
    func lifecycle() async throws {
        try await ScratchDatabase.withSchema { pool, scratch in
            let folder = try TemporaryFolder()
            let cli = [
                "DATABASE_URL": scratch.connectionString, "LOG_LEVEL": "warning", "NOMALY_ARTIFACTS": folder.path + "/artifacts",
                "NOMALY_REGISTRY_DIR": TestEnvironment.repositoryRoot + "/registry", "USER": "tester",
            ]
            let data = TestEnvironment.repositoryRoot + "/registry/data/payments-train.csv"
            for seed in ["1", "2"] {
                let fit = try await NomalyProcess.run(
                    [
                        "fit", "--detector", "isolation-forest", "--input", data, "--id", "id", "--label", "is_fraud", "--seed", seed,
                        "--output", folder.path + "/m\(seed).tar.gz",
                    ]
                )
                #expect(fit.status == 0, "\(fit.combinedOutput)")
                let register = try await NomalyProcess.run(
                    ["models", "register", "fraud", "--artifact", folder.path + "/m\(seed).tar.gz"],
                    environment: cli
                )
                #expect(register.status == 0, "\(register.combinedOutput)")
                #expect(register.standardOutput.contains("registered fraud:\(seed)"))
            }
            #expect(try await NomalyProcess.run(["models", "promote", "fraud", "1", "--expect", "none"], environment: cli).status == 0)
            let stale = try await NomalyProcess.run(["models", "promote", "fraud", "2", "--expect", "2", "--reason", "try"], environment: cli)
            #expect(stale.status == 1)
            #expect(stale.standardError.contains("error: "), "\(stale.standardError)")
            #expect(try await NomalyProcess.run(["models", "promote", "fraud", "2", "--expect", "1"], environment: cli).status == 0)

            let show = try await NomalyProcess.run(["models", "show", "fraud", "--json"], environment: cli)
            let model = try JSONSerialization.jsonObject(with: Data(show.standardOutput.utf8)) as? [String: Any]
            #expect((model?["aliases"] as? [String: Int]) == ["production": 2], "\(show.combinedOutput)")

            let rollback = try await NomalyProcess.run(["models", "rollback", "fraud"], environment: cli)
            #expect(rollback.standardOutput.contains("fraud@production: 2 → 1"), "\(rollback.combinedOutput)")
            let history = try await NomalyProcess.run(["models", "history", "fraud", "--json"], environment: cli)
            let changes = try JSONSerialization.jsonObject(with: Data(history.standardOutput.utf8)) as? [[String: Any]]
            #expect(changes?.count == 3)
            #expect(changes?.first?["actor"] as? String == "cli:tester")
            let versions = try await NomalyProcess.run(["models", "versions", "fraud", "--json"], environment: cli)
            #expect((try JSONSerialization.jsonObject(with: Data(versions.standardOutput.utf8)) as? [Any])?.count == 2)

            let download = try await NomalyProcess.run(
                ["models", "download", "fraud@production", "--output", folder.path + "/got.tar.gz"],
                environment: cli
            )
            #expect(download.status == 0, "\(download.combinedOutput)")
            #expect(FileManager.default.contentsEqual(atPath: folder.path + "/got.tar.gz", andPath: folder.path + "/m1.tar.gz"))

            let today = TestEnvironment.repositoryRoot + "/registry/data/payments-today.csv"
            let score = try await NomalyProcess.run(
                ["score", "--model", "fraud@production", "--input", today, "--id", "id", "--output", "-"],
                environment: cli
            )
            #expect(score.status == 0, "\(score.combinedOutput)")
            #expect(score.standardError.contains("using fraud:1"))
            #expect(score.standardOutput.split(separator: "\n").count == 201)

            let refused = try await NomalyProcess.run(["models", "delete", "fraud:1"], environment: cli)
            #expect(refused.status == 1, "an aliased version cannot be deleted")
            #expect(try await NomalyProcess.run(["models", "delete", "fraud:2"], environment: cli).status == 0)
            let gc = try await NomalyProcess.run(["models", "gc", "--json"], environment: cli)
            let report = try JSONSerialization.jsonObject(with: Data(gc.standardOutput.utf8)) as? [String: Any]
            #expect((report?["deleted_keys"] as? [String])?.count == 1, "\(gc.combinedOutput)")
            // Like every CLI change (docs/cli.md), not as the clean-up job's "nomaly-gc".
            let gcActors = try await pool.query("SELECT actor FROM audit_log WHERE action = 'model.gc'").decode(String.self)
            #expect(gcActors == ["cli:tester"])

            let hostile = try folder.file("text.tar.gz", "not a tarball")
            let bad = try await NomalyProcess.run(["models", "register", "fraud", "--artifact", hostile], environment: cli)
            #expect(bad.status == 1)
            #expect(bad.standardError.contains("error: "))
        }
    }
}

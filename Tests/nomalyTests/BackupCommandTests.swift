import Foundation
import Postgres
import Processes
import TestSupport
import Testing

@Suite("nomaly backup and nomaly cleanup, as an operator runs them")
struct BackupCommandTests {
    @Test("create, list, verify --restore-test, restore refusing without --yes then restoring, cleanup --dry-run")
    func backupCommands() async throws {
        let home = try TemporaryFolder("nomaly-cli-backup")
        try await ScratchDatabase.withSchema { pool, scratch in
            let environment = [
                "DATABASE_URL": scratch.connectionString, "NOMALY_HOME": home.path, "NOMALY_BACKUP_DIR": home.path + "/backups",
                "LOG_LEVEL": "warning",
            ]
            let created = try await NomalyProcess.run(["backup", "create", "--kind", "database", "--json"], environment: environment)
            #expect(created.status == 0, "\(created.combinedOutput)")
            let manifest = try #require(try JSONSerialization.jsonObject(with: Data(created.standardOutput.utf8)) as? [String: Any])
            let id = try #require(manifest["id"] as? String)
            #expect(manifest["kind"] as? String == "database")

            let listed = try await NomalyProcess.run(["backup", "list", "--json"], environment: environment)
            #expect(listed.status == 0, "\(listed.combinedOutput)")
            let sets = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
            #expect(sets.map { $0["id"] as? String } == [id])
            #expect(sets.first?["verified_at"] is String)
            #expect(sets.first?["local"] as? String == home.path + "/backups/" + id)

            let verified = try await NomalyProcess.run(["backup", "verify", "latest", "--restore-test"], environment: environment)
            #expect(verified.status == 0, "\(verified.combinedOutput)")
            #expect(verified.standardOutput.contains("test restore matched"))

            try await pool.execute("INSERT INTO api_tokens (name, role, token_sha256) VALUES ('after', 'viewer', repeat('c', 64))")
            let refused = try await NomalyProcess.run(["backup", "restore", id, "--kind", "database"], environment: environment)
            #expect(refused.status == 1)
            #expect(refused.standardError.contains("--yes"))
            #expect(try await pool.query("SELECT count(*) FROM api_tokens").first!.decode(Int.self) == 1)

            let restored = try await NomalyProcess.run(["backup", "restore", id, "--kind", "database", "--yes"], environment: environment)
            #expect(restored.status == 0, "\(restored.combinedOutput)")
            #expect(try await pool.query("SELECT count(*) FROM api_tokens").first!.decode(Int.self) == 0, "the token made after the backup is gone")

            let badID = try await NomalyProcess.run(["backup", "verify", "yesterday"], environment: environment)
            #expect(badID.status == 1)
            #expect(badID.standardError.contains("is not a set id"))

            let plan = try await NomalyProcess.run(["cleanup", "--dry-run", "--json"], environment: environment)
            #expect(plan.status == 0, "\(plan.combinedOutput)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(plan.standardOutput.utf8)) as? [String: Any])
            #expect(report["dry_run"] as? Bool == true)
            #expect((report["local_sets"] as? [String])?.isEmpty == true, "a fresh set is kept")

            let weekly = try await NomalyProcess.run(["report", "--json"], environment: environment)
            #expect(weekly.status == 0, "\(weekly.combinedOutput)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(weekly.standardOutput.utf8)) as? [String: Any])
            let backups = try #require(summary["backups"] as? [String: Any])
            #expect(backups["newest_verified"] as? String == id)
            #expect((summary["database_bytes"] as? Int ?? 0) > 0)
            #expect((summary["largest_tables"] as? [Any])?.count == 5)
            let text = try await NomalyProcess.run(["report"], environment: environment)
            #expect(text.status == 0 && text.standardOutput.contains("newest verified: \(id)"), "\(text.combinedOutput)")
        }
    }
}

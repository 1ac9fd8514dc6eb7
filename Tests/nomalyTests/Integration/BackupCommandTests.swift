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
            #expect(badID.status == 64, "a malformed id is a wrong command line")
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

    @Test("with ENCRYPTION_KEY_FILE set, a plaintext set is refused until --allow-unencrypted --allow-unsigned, which are audited")
    func waivers() async throws {
        let home = try TemporaryFolder("nomaly-cli-waivers")
        let keyFile = try home.file("key", String(repeating: "7d", count: 32))
        try await ScratchDatabase.withSchema { pool, scratch in
            var environment = Self.environment(home: home, scratch: scratch, ["USER": "alice"])
            // Made before encryption was turned on.
            let id = try await Self.createDatabaseSet(environment)
            try await pool.execute("INSERT INTO api_tokens (name, role, token_sha256) VALUES ('after', 'viewer', repeat('c', 64))")
            environment["ENCRYPTION_KEY_FILE"] = keyFile

            for command in [["backup", "verify", id], ["backup", "restore", id, "--kind", "database", "--yes"]] {
                let refused = try await NomalyProcess.run(command, environment: environment)
                #expect(refused.status == 1, "\(refused.combinedOutput)")
                #expect(refused.standardError.contains("it is not encrypted, but ENCRYPTION_KEY_FILE is set"), "\(refused.standardError)")
                #expect(refused.standardError.contains("--allow-unsigned --allow-unencrypted"), "\(refused.standardError)")
            }
            #expect(try await pool.query("SELECT count(*) FROM api_tokens").first!.decode(Int.self) == 1, "nothing was restored")
            #expect(try await pool.query("SELECT count(*) FROM audit_log").first!.decode(Int.self) == 0)

            let help = try await NomalyProcess.run(["backup", "verify", "--help"], environment: environment)
            #expect(help.standardOutput.contains("--allow-unencrypted") && help.standardOutput.contains("--allow-unsigned"))

            let verified = try await NomalyProcess.run(["backup", "verify", id, "--allow-unencrypted", "--allow-unsigned"], environment: environment)
            #expect(verified.status == 0, "\(verified.combinedOutput)")
            #expect(verified.standardOutput.contains("manifest not signed; accepted unsigned and unencrypted as asked"), "\(verified.standardOutput)")
            #expect(
                verified.standardError.contains("backup set accepted without the protection a configured key demands"),
                "\(verified.standardError)"
            )

            let restored = try await NomalyProcess.run(
                ["backup", "restore", id, "--kind", "database", "--yes", "--allow-unencrypted", "--allow-unsigned", "--json"],
                environment: environment
            )
            #expect(restored.status == 0, "\(restored.combinedOutput)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(restored.standardOutput.utf8)) as? [String: Any])
            #expect(report["waived"] as? [String] == ["unsigned", "unencrypted"])
            #expect(try await pool.query("SELECT count(*) FROM api_tokens").first!.decode(Int.self) == 0, "the set was restored")
            struct Entry: Decodable {
                let actor: String
                let target: String
                let operation: String
            }
            let entries = try await pool.query(
                "SELECT actor, target, details->>'operation' AS operation FROM audit_log WHERE action = 'backup.waiver' ORDER BY id"
            ).decode(Entry.self)
            #expect(entries.map(\.actor) == ["cli:alice"])
            #expect(entries.map(\.target) == [id])
            #expect(entries.map(\.operation) == ["restore"], "the restore replaced audit_log, then recorded itself again")
        }
    }

    @Test("NOMALY_BACKUP_SIGNING_KEY_FILE signs a set made without encryption, and a missing file is a configuration error")
    func signingKey() async throws {
        let home = try TemporaryFolder("nomaly-cli-signing")
        let keyFile = try home.file("signing-key", String(repeating: "4b", count: 32))
        try await ScratchDatabase.withSchema { _, scratch in
            var environment = Self.environment(home: home, scratch: scratch, ["NOMALY_BACKUP_SIGNING_KEY_FILE": keyFile])
            let id = try await Self.createDatabaseSet(environment)
            #expect(FileManager.default.fileExists(atPath: home.path + "/backups/" + id + "/manifest.json.sig"))
            let verified = try await NomalyProcess.run(["backup", "verify", id, "--json"], environment: environment)
            #expect(verified.status == 0, "\(verified.combinedOutput)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(verified.standardOutput.utf8)) as? [String: Any])
            #expect((report["signed_with"] as? String)?.count == 16, "\(report)")
            #expect(report["decrypted"] as? Bool == false)

            environment["NOMALY_BACKUP_SIGNING_KEY_FILE"] = home.path + "/no-such-key"
            let missing = try await NomalyProcess.run(["backup", "list"], environment: environment)
            #expect(missing.status != 0)
            #expect(missing.standardError.contains("NOMALY_BACKUP_SIGNING_KEY_FILE"), "\(missing.standardError)")
        }
    }

    static func environment(home: TemporaryFolder, scratch: ScratchDatabase, _ extra: [String: String]) -> [String: String] {
        [
            "DATABASE_URL": scratch.connectionString, "NOMALY_HOME": home.path, "NOMALY_BACKUP_DIR": home.path + "/backups",
            "LOG_LEVEL": "warning",
        ].merging(extra) { $1 }
    }

    /// `nomaly backup create --kind database`; returns the set's id.
    static func createDatabaseSet(_ environment: [String: String]) async throws -> String {
        let created = try await NomalyProcess.run(["backup", "create", "--kind", "database", "--json"], environment: environment)
        #expect(created.status == 0, "\(created.combinedOutput)")
        let manifest = try JSONSerialization.jsonObject(with: Data(created.standardOutput.utf8)) as? [String: Any]
        return try #require(manifest?["id"] as? String)
    }
}

import Foundation
import Postgres
import Processes
import TestSupport
import Testing

/// Settings that name files are opened and parsed by `nomaly check`, as the commands that use them will; check shows
/// no credential; and `backup create --upload` that cannot upload says the set it made exists.
@Suite("nomaly check opens every file a setting names; backup create --upload without a bucket keeps and names its set")
struct FileSettingsCommandTests {
    /// Offline: no database is reached (check without --connect), nothing in the test's environment points at S3.
    static func environment(_ folder: TemporaryFolder, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "NOMALY_HOME": folder.path,
            "NOMALY_JOBS_DIR": folder.path + "/jobs",
            "NOMALY_REGISTRY_DIR": folder.path + "/registry",
            "DATABASE_URL": "postgresql://nomaly@127.0.0.1:1/nomaly",
            "S3_ENDPOINT": "", "S3_BUCKET": "", "S3_BUCKET_NAME": "", "AWS_S3_BACKUP_BUCKET": "", "NOMALY_BACKUP_S3": "",
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
        ].merging(extra) { _, new in new }
    }

    /// `nomaly check --json`'s problems as `VARIABLE: message`.
    static func problems(_ result: ChildProcess.Result) throws -> [String] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let problems = try #require(report["problems"] as? [[String: Any]])
        return problems.map { "\($0["variable"] as? String ?? "?"): \($0["message"] as? String ?? "?")" }
    }

    @Test("an empty or junk ENCRYPTION_KEY_FILE or signing key fails check, naming the variable, and stops backup create")
    func junkKeyFiles() async throws {
        let folder = try TemporaryFolder()
        let empty = try folder.file("empty.key", "")
        let junk = try folder.file("junk.key", "hunter2\n")
        let environment = Self.environment(folder, ["ENCRYPTION_KEY_FILE": empty, "NOMALY_BACKUP_SIGNING_KEY_FILE": junk])

        let check = try await NomalyProcess.run(["check", "--json"], environment: environment)
        #expect(check.status == 1, "\(check.combinedOutput)")
        let found = try Self.problems(check)
        #expect(found.contains { $0.hasPrefix("ENCRYPTION_KEY_FILE: key file \(empty) is empty") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("NOMALY_BACKUP_SIGNING_KEY_FILE: key file \(junk) does not hold a key") }, "\(found)")
        #expect(!check.combinedOutput.contains("hunter2"), "a key file's content is never shown")

        let text = try await NomalyProcess.run(["check"], environment: environment)
        #expect(text.status == 1 && !text.standardOutput.contains("configuration OK"), "\(text.combinedOutput)")

        let backup = try await NomalyProcess.run(["backup", "create"], environment: environment)
        #expect(backup.status != 0)
        #expect(backup.standardError.contains("ENCRYPTION_KEY_FILE"), "\(backup.standardError)")
    }

    @Test("a NOMALY_TLS_CERT or NOMALY_TLS_KEY without PEM fails check, naming the variable")
    func junkTLSFiles() async throws {
        let folder = try TemporaryFolder()
        let certificate = try folder.file("cert.pem", "-----BEGIN NOTHING-----\n")
        let key = try folder.file("key.pem", "")
        let check = try await NomalyProcess.run(
            ["check", "--json"],
            environment: Self.environment(folder, ["NOMALY_TLS_CERT": certificate, "NOMALY_TLS_KEY": key])
        )
        #expect(check.status == 1, "\(check.combinedOutput)")
        let found = try Self.problems(check)
        #expect(found.contains { $0.hasPrefix("NOMALY_TLS_CERT: \(certificate) holds no PEM certificate") }, "\(found)")
    }

    @Test("an unreadable NAME_FILE secret is a problem naming NAME_FILE")
    func unreadableSecretFiles() async throws {
        let folder = try TemporaryFolder()
        let check = try await NomalyProcess.run(
            ["check", "--json"],
            environment: Self.environment(
                folder,
                [
                    "DATABASE_URL": "", "DATABASE_URL_FILE": folder.path, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
                    "AWS_SECRET_ACCESS_KEY_FILE": folder.path + "/absent",
                ]
            )
        )
        #expect(check.status == 1, "\(check.combinedOutput)")
        let found = try Self.problems(check)
        #expect(found.contains { $0.hasPrefix("DATABASE_URL_FILE: cannot read secret file \(folder.path)") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("AWS_SECRET_ACCESS_KEY_FILE: cannot read secret file \(folder.path)/absent") }, "\(found)")
    }

    @Test("check shows the S3 settings without the access key id")
    func s3CredentialsRedacted() async throws {
        let folder = try TemporaryFolder()
        let environment = Self.environment(
            folder,
            [
                "S3_ENDPOINT": "http://127.0.0.1:1", "S3_BUCKET": "nomaly", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ]
        )
        for arguments in [["check"], ["check", "--json"]] {
            let check = try await NomalyProcess.run(arguments, environment: environment)
            #expect(check.status == 0, "\(check.combinedOutput)")
            #expect(check.standardOutput.contains("bucket nomaly"), "\(check.standardOutput)")
            #expect(check.standardOutput.contains("signed with an access key (redacted)"), "\(check.standardOutput)")
            #expect(!check.combinedOutput.contains("AKIAIOSFODNN7EXAMPLE"), "\(check.combinedOutput)")
            #expect(!check.combinedOutput.contains("wJalrXUtnFEMI"), "\(check.combinedOutput)")
        }
    }

    @Test("backup create --upload without a bucket says the set exists, where, and how to upload it later")
    func uploadWithoutBucket() async throws {
        let home = try TemporaryFolder("nomaly-cli-upload")
        try await ScratchDatabase.withSchema { _, scratch in
            let environment = Self.environment(
                home,
                ["DATABASE_URL": scratch.connectionString, "NOMALY_BACKUP_DIR": home.path + "/backups", "LOG_LEVEL": "warning"]
            )
            let created = try await NomalyProcess.run(["backup", "create", "--kind", "database", "--upload"], environment: environment)
            #expect(created.status == 1, "\(created.combinedOutput)")
            let sets = try FileManager.default.contentsOfDirectory(atPath: home.path + "/backups").filter { !$0.hasPrefix(".") }
            let id = try #require(sets.first, "the set is kept")
            #expect(sets.count == 1)
            let message = created.standardError
            #expect(message.contains("backup set \(id) was created and verified in \(home.path)/backups/\(id)"), "\(message)")
            #expect(message.contains("no bucket is configured for backups"), "\(message)")
            #expect(message.contains("nomaly backup upload \(id)"), "\(message)")

            let listed = try await NomalyProcess.run(["backup", "list", "--json"], environment: environment)
            #expect(listed.status == 0, "\(listed.combinedOutput)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
            #expect(rows.map { $0["id"] as? String } == [id] && rows.first?["status"] as? String == "succeeded", "\(rows)")
        }
    }
}

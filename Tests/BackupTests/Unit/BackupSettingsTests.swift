import Backup
import Foundation
import Settings
import TestSupport
import Testing

@Suite("Backup settings from the environment: each problem reported with the variable's name")
struct BackupSettingsTests {
    /// The settings read from `variables` with `/srv/nomaly` as the home and the working directory, and the problems.
    func read(_ variables: [String: String]) -> (settings: BackupSettings, problems: [ConfigurationProblem]) {
        var reader = SettingsReader(Environment(variables.merging(["NOMALY_HOME": "/srv/nomaly"]) { $1 }), workingDirectory: "/srv/nomaly")
        let settings = BackupSettings(reader: &reader)
        return (settings, reader.problems)
    }

    @Test("nothing set: sets in the home's backups folder, unencrypted, unsigned, no remote")
    func defaults() {
        let (settings, problems) = read([:])
        #expect(problems.isEmpty)
        #expect(settings == BackupSettings(directory: "/srv/nomaly/backups"))
    }

    @Test("readable key files and an s3:// remote are taken, relative paths from the working directory")
    func accepted() throws {
        let folder = try TemporaryFolder("backup-settings")
        let key = folder.path + "/backup.key"
        try String(repeating: "ab", count: 32).write(toFile: key, atomically: true, encoding: .utf8)
        let (settings, problems) = read([
            "NOMALY_BACKUP_DIR": "dumps", "ENCRYPTION_KEY_FILE": key, "NOMALY_BACKUP_SIGNING_KEY_FILE": key,
            "NOMALY_BACKUP_S3": "s3://offsite/nomaly/",
        ])
        #expect(problems.isEmpty, "\(problems)")
        #expect(
            settings == BackupSettings(directory: "/srv/nomaly/dumps", encryptionKeyFile: key, signingKeyFile: key, remote: "s3://offsite/nomaly/")
        )
    }

    @Test("empty values count as unset")
    func empty() {
        let (settings, problems) = read(["ENCRYPTION_KEY_FILE": "", "NOMALY_BACKUP_SIGNING_KEY_FILE": "", "NOMALY_BACKUP_S3": ""])
        #expect(problems.isEmpty)
        #expect(settings == BackupSettings(directory: "/srv/nomaly/backups"))
    }

    @Test(
        "a missing key file and a remote that is not s3:// are each reported by name, with the value at fault",
        arguments: [
            ("ENCRYPTION_KEY_FILE", "/nonexistent/backup.key", "/nonexistent/backup.key is missing or unreadable"),
            ("NOMALY_BACKUP_SIGNING_KEY_FILE", "keys/signing.key", "/srv/nomaly/keys/signing.key is missing or unreadable"),
            ("NOMALY_BACKUP_S3", "https://offsite/nomaly/", "'https://offsite/nomaly/' is not an s3://bucket/prefix URL"),
        ]
    )
    func refused(variable: String, value: String, message: String) {
        let problems = read([variable: value]).problems
        #expect(problems.map(\.variable) == [variable])
        #expect(problems.first?.message == message)
    }

    @Test(
        "a key file that holds no key is reported by name, the way a backup would fail on it",
        arguments: ["ENCRYPTION_KEY_FILE", "NOMALY_BACKUP_SIGNING_KEY_FILE"],
        [
            ("empty", "", "is empty"),
            ("junk", "not a key\n", "does not hold a key (10 bytes)"),
            ("short hex", String(repeating: "ab", count: 31), "does not hold a key (62 bytes)"),
        ]
    )
    func keyFileWithoutKey(variable: String, content: (name: String, text: String, message: String)) throws {
        let folder = try TemporaryFolder("backup-settings")
        let path = try folder.file(content.name + ".key", content.text)
        let problems = read([variable: path]).problems
        #expect(problems.map(\.variable) == [variable])
        let message = try #require(problems.first?.message)
        #expect(message.contains(path) && message.contains(content.message), "\(message)")
        #expect(message.contains("openssl rand -hex 32"), "says how to make one: \(message)")
    }

    @Test("a folder named as a key file is reported by name")
    func keyFileIsFolder() throws {
        let folder = try TemporaryFolder("backup-settings")
        let problems = read(["ENCRYPTION_KEY_FILE": folder.path]).problems
        #expect(problems.map(\.variable) == ["ENCRYPTION_KEY_FILE"])
        #expect(problems.first?.message.contains("Is a directory") == true, "\(problems)")
    }

    @Test("every bad variable is reported at once, not only the first")
    func all() {
        let problems = read([
            "ENCRYPTION_KEY_FILE": "/nonexistent/a.key", "NOMALY_BACKUP_SIGNING_KEY_FILE": "/nonexistent/b.key", "NOMALY_BACKUP_S3": "offsite",
        ]).problems
        #expect(problems.map(\.variable) == ["ENCRYPTION_KEY_FILE", "NOMALY_BACKUP_SIGNING_KEY_FILE", "NOMALY_BACKUP_S3"])
    }
}

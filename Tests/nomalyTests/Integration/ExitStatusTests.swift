import Foundation
import Processes
import TestSupport
import Testing

/// docs/cli.md's exit codes, kept by one mapping in the binary: a wrong command line exits 64 whichever command, or
/// which layer below it, notices; a failure exits 1; an invalid cron expression 2.
@Suite("nomaly's exit status and error line, by the kind of error")
struct ExitStatusTests {
    /// Runs `nomaly ARGUMENTS` where no database is configured and none is reachable: none of these may need one.
    static func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await NomalyProcess.run(arguments, environment: ["DATABASE_URL": "postgresql://nomaly@127.0.0.1:1/nomaly", "LOG_LEVEL": "warning"])
    }

    @Test(
        "a wrong command line exits 64 with an error line and the usage, whichever command or layer finds it",
        arguments: [
            (["jobs", "history", "nightly", "--status", "bogus"], "not a run status; one of queued, running"),
            (["jobs", "history", "nightly", "--limit", "0"], "--limit must be between 1 and 1000, not 0"),
            (["jobs", "run", "nightly", "--wait", "--timeout", "abc"], "--timeout: 'abc' is not a duration"),
            (["jobs", "run", "nightly", "--timeout", "10m"], "--timeout applies only with --wait"),
            (["models", "versions", "demo", "--limit", "0"], "--limit must be between 1 and 1000, not 0"),
            (["models", "history", "demo", "--limit", "0"], "--limit must be between 1 and 1000, not 0"),
            (["fit", "--detector", "foo", "--input", "x.csv", "--output", "m.tar.gz"], "--detector must be one of isolation-forest, ecod"),
            (["backup", "verify", "yesterday"], "'yesterday' is not a set id such as 20261203_020000, or latest"),
            (["backup", "restore", "latest", "--kind", "everything", "--yes"], "--kind must be database, models or full"),
            (["archive", "extract", "--max-bytes", "lots", "a.tar.gz", "out"], "--max-bytes: 'lots' is not a size"),
            (["s3", "rm", "./local.txt"], "nomaly s3 rm takes s3:// URLs"),
            (["cleanup", "--runs-max-age", "forever"], "--runs-max-age: 'forever' is not a duration"),
        ]
    )
    func usageErrors(arguments: [String], message: String) async throws {
        let result = try await Self.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.combinedOutput)")
        #expect(result.standardError.hasPrefix("error: "), "\(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(result.standardError.contains("Usage: nomaly "), "the usage of the command follows: \(result.standardError)")
        #expect(!result.standardError.contains("127.0.0.1:1"), "refused before the database: \(result.standardError)")
    }

    @Test("a malformed model reference found while running is a wrong command line too, with that command's usage")
    func malformedReference() async throws {
        for arguments in [["models", "delete", "demo@"], ["models", "download", "demo:0", "--output", "/tmp/never.tar.gz"]] {
            let result = try await Self.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.combinedOutput)")
            #expect(result.standardError.hasPrefix("error: "), "\(result.standardError)")
            #expect(result.standardError.contains("See 'nomaly models \(arguments[1]) --help'"), "\(result.standardError)")
        }
    }

    @Test("--version is the program's version only alone: after a subcommand it is a wrong command line, not exit 0")
    func versionOnlyAlone() async throws {
        let alone = try await Self.run(["--version"])
        #expect(alone.status == 0)
        #expect(alone.standardOutput.hasPrefix("nomaly "), "\(alone.standardOutput)")

        let leaked = try await Self.run(["models", "promote", "demo", "--version", "2"])
        #expect(leaked.status == 64, "\(leaked.combinedOutput)")
        #expect(leaked.standardOutput.isEmpty, "the version must not be printed: \(leaked.standardOutput)")
        #expect(leaked.standardError.contains("error: Unknown option '--version'"), "\(leaked.standardError)")
        #expect(leaked.standardError.contains("`nomaly models promote NAME VERSION`"), "\(leaked.standardError)")

        for arguments in [["jobs", "list", "--version"], ["--version", "--json"]] {
            let other = try await Self.run(arguments)
            #expect(other.status == 64, "\(arguments): \(other.combinedOutput)")
            #expect(other.standardOutput.isEmpty)
        }
    }

    @Test("an invalid cron expression exits 2, a wrong option of cron 64, --help 0")
    func cronAndHelp() async throws {
        let invalid = try await Self.run(["cron", "next", "61 * * * *"])
        #expect(invalid.status == 2, "\(invalid.combinedOutput)")
        #expect(invalid.standardError == "error: field 1 (minute): 61 is out of range 0–59\n", "\(invalid.standardError)")
        let zone = try await Self.run(["cron", "next", "0 * * * *", "--tz", "Mars/Olympus"])
        #expect(zone.status == 2)
        #expect(try await Self.run(["cron", "next", "0 * * * *", "--count", "0"]).status == 64)
        let help = try await Self.run(["jobs", "history", "--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("--status"))
    }

    @Test("a command that runs and fails exits 1 with one error line")
    func failures() async throws {
        let folder = try TemporaryFolder()
        let result = try await Self.run(["archive", "list", folder.path + "/nope.tar.gz"])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("error: "), "\(result.standardError)")
        #expect(!result.standardError.contains("Usage:"), "a failure is not a usage error: \(result.standardError)")
    }
}

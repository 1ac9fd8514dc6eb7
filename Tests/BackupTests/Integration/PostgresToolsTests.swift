import Foundation
import TestSupport
import Testing

@testable import Backup

/// The client programs' error paths: each failure names what is wrong (the folder, the file, the program's own
/// message) instead of a bare exit status.
@Suite("PostgresTools: a bad bin dir, and pg_restore given a missing or garbage file")
struct PostgresToolsTests {
    /// The programs of the bin dir `scripts/test` found for the test server (NOMALY_PG_BINDIR), whatever their version.
    func testServerTools() throws -> PostgresTools {
        try PostgresTools(serverMajor: 0, override: try TestEnvironment.require("NOMALY_PG_BINDIR"))
    }

    @Test("a NOMALY_PG_BINDIR without pg_dump is refused, naming the folder and what to install")
    func emptyBinDir() async throws {
        let folder = try TemporaryFolder("pg-bindir")
        await expectBackupError(.tool, folder.path, "NOMALY_PG_BINDIR", "postgresql-client-15") {
            _ = try PostgresTools(serverMajor: 15, override: folder.path)
        }
    }

    @Test("a NOMALY_PG_BINDIR whose pg_dump is older than the server is refused, naming the version needed")
    func tooOld() async throws {
        let directory = try TestEnvironment.require("NOMALY_PG_BINDIR")
        await expectBackupError(.tool, "no pg_dump of version 999 or newer", directory) {
            _ = try PostgresTools(serverMajor: 999, override: directory)
        }
    }

    @Test("pg_restore of a file that is not there fails before the program starts, naming the file")
    func missingFile() async throws {
        let tools = try testServerTools()
        await expectBackupError(.storage, "restoring the database: cannot open /nonexistent/database.dump: No such file or directory") {
            try await PostgresTools.run(
                [tools.path("pg_restore"), "--list"],
                environment: [:],
                input: "/nonexistent/database.dump",
                what: "restoring the database"
            )
        }
    }

    @Test("pg_restore of a file that is not a dump fails with pg_restore's own explanation and its exit status")
    func garbageFile() async throws {
        let tools = try testServerTools()
        let folder = try TemporaryFolder("pg-restore-garbage")
        let garbage = try folder.file("database.dump", "this is not a pg_dump archive\n")
        await expectBackupError(.tool, "restoring the database: pg_restore exited with status 1", "not appear to be a valid archive") {
            try await PostgresTools.run([tools.path("pg_restore"), "--list"], environment: [:], input: garbage, what: "restoring the database")
        }
    }
}

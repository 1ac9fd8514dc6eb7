import Foundation
import TestSupport
import Testing

@testable import Backup

/// The choice of client programs, played by a shell `pg_dump` that counts how often it is asked for its version.
@Suite("PostgresTools: chosen once per environment, errors naming what to install")
struct PostgresToolsCacheTests {
    /// A folder holding a `pg_dump` that answers `--version` as `version` does and appends a line to `calls` each time.
    func fakeTools(in folder: TemporaryFolder, version: String) throws -> (directory: String, calls: String) {
        let directory = folder.path + "/bin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let calls = folder.path + "/calls"
        let script = "#!/bin/sh\necho called >> '\(calls)'\necho 'pg_dump (PostgreSQL) \(version)'\n"
        try script.write(toFile: directory + "/pg_dump", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/pg_dump")
        return (directory, calls)
    }

    func callCount(_ calls: String) -> Int {
        ((try? String(contentsOfFile: calls, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test("pg_dump --version runs once for a server version, however many steps ask")
    func versionAskedOnce() async throws {
        let folder = try TemporaryFolder()
        let (directory, calls) = try fakeTools(in: folder, version: "16.4 (Debian 16.4-1)")
        let cache = PostgresToolsCache()
        for _ in 0..<3 {
            let tools = try await cache.forServer(major: 16, override: directory)
            #expect(tools.path("pg_restore") == directory + "/pg_restore")
            #expect(tools.version == "pg_dump (PostgreSQL) 16.4 (Debian 16.4-1)")
        }
        #expect(callCount(calls) == 1)
    }

    @Test("a chosen pg_dump that was removed since (a package upgrade) is looked up again, not kept")
    func removedToolsLookedUpAgain() async throws {
        let folder = try TemporaryFolder()
        let (directory, calls) = try fakeTools(in: folder, version: "16.4")
        let cache = PostgresToolsCache()
        _ = try await cache.forServer(major: 16, override: directory)
        try FileManager.default.removeItem(atPath: directory + "/pg_dump")
        await #expect(throws: BackupError.self) { try await cache.forServer(major: 16, override: directory) }
        _ = try fakeTools(in: folder, version: "16.5")
        let tools = try await cache.forServer(major: 16, override: directory)
        #expect(tools.version == "pg_dump (PostgreSQL) 16.5")
        #expect(callCount(calls) == 2)
    }

    @Test("a pg_dump older than the server is refused with what to install, and the failure is not kept")
    func tooOld() async throws {
        let folder = try TemporaryFolder()
        let (directory, calls) = try fakeTools(in: folder, version: "15.10")
        let cache = PostgresToolsCache()
        let error = await #expect(throws: BackupError.self) { try await cache.forServer(major: 16, override: directory) }
        #expect(error?.message.contains("install postgresql-client-16 or set NOMALY_PG_BINDIR") == true)
        await #expect(throws: BackupError.self) { try await cache.forServer(major: 16, override: directory) }
        #expect(callCount(calls) == 2, "a refused lookup is asked again, so tools installed meanwhile are found")
    }
}

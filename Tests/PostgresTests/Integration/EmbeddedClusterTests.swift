import Foundation
import Postgres
import TestSupport
import Testing

@Suite("The embedded cluster and recovery from a server restart", .serialized)
struct EmbeddedClusterTests {
    /// A fresh NOMALY_HOME in /tmp, readable by the `postgres` user when the tests run as root.
    static func temporaryHome() throws -> String {
        let home = "/tmp/" + TestEnvironment.uniqueName("nomaly-home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return home
    }

    /// Runs `body` with a fresh home and stops every cluster user it created, even when an expectation throws,
    /// so a failing test never leaves a server running.
    static func withHome(_ body: (String, inout [EmbeddedCluster]) async throws -> Void) async throws {
        let home = try temporaryHome()
        var users: [EmbeddedCluster] = []
        do {
            try await body(home, &users)
        } catch {
            for user in users { await user.stop() }
            try? FileManager.default.removeItem(atPath: home)
            throw error
        }
        for user in users { await user.stop() }
        try? FileManager.default.removeItem(atPath: home)
    }

    static func cluster(home: String) -> EmbeddedCluster {
        var options = EmbeddedCluster.Options(home: home)
        options.binDirectory = ProcessInfo.processInfo.environment["NOMALY_PG_BINDIR"]
        return EmbeddedCluster(options: options, logger: TestEnvironment.logger)
    }

    @Test("the pool detects connections broken by a server restart and replaces them")
    func recoversAfterRestart() async throws {
        try await Self.withHome { home, users in
            let cluster = Self.cluster(home: home)
            users.append(cluster)
            let url = try await cluster.start()
            let pool = PostgresPool(
                configuration: .init(connectionString: url, maximumConnections: 2, acquireTimeout: .seconds(2)),
                logger: TestEnvironment.logger
            )
            defer { Task { await pool.close() } }
            let before = try #require(try await pool.query("SELECT pg_backend_pid()").first).decode(Int32.self)

            await cluster.stop()
            #expect(try cluster.isRunning() == false)
            let whileDown = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(whileDown.code == .connectionFailed)

            try await cluster.start()
            let after = try #require(try await pool.query("SELECT pg_backend_pid()").first).decode(Int32.self)
            #expect(after != before)
            #expect(await pool.statistics().open == 1)
            await pool.close()
            await cluster.stop()
            #expect(try cluster.isRunning() == false)
        }
    }

    @Test("the server keeps running until its last user stops, and data survives a restart")
    func sharedByUsers() async throws {
        try await Self.withHome { home, users in
            let first = Self.cluster(home: home)
            let second = Self.cluster(home: home)
            let third = Self.cluster(home: home)
            users += [first, second, third]
            let url = try await first.start()
            #expect(try await second.start() == url)

            let pool = PostgresPool(configuration: .init(connectionString: url, maximumConnections: 1), logger: TestEnvironment.logger)
            try await pool.execute("CREATE TABLE kept (value text)")
            try await pool.execute("INSERT INTO kept VALUES ('survives')")
            await pool.close()

            await first.stop()
            #expect(try second.isRunning(), "another user still holds the cluster")
            await second.stop()
            #expect(try second.isRunning() == false)

            let again = PostgresPool(
                configuration: .init(connectionString: try await third.start(), maximumConnections: 1),
                logger: TestEnvironment.logger
            )
            #expect(try await again.query("SELECT value FROM kept").first?.decode(String.self) == "survives")
            await again.close()
        }
    }

    @Test("a socket path too long for a unix socket falls back to a short folder")
    func longHome() {
        let deep = "/tmp/" + String(repeating: "very-long-folder-name/", count: 6) + "postgres"
        let socket = Self.cluster(home: deep).socketDirectory
        #expect(socket.hasPrefix("/tmp/nomaly-"))
        #expect((socket + "/.s.PGSQL.5432").utf8.count < 108)
    }
}

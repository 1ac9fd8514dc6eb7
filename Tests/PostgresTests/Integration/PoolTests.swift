import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Connection pool (real Postgres)")
struct PoolTests {
    @Test("an exhausted pool fails after the acquire timeout with a message naming the settings")
    func exhaustion() async throws {
        try await ScratchDatabase.with(maximumConnections: 1, acquireTimeout: .milliseconds(300)) { pool, _ in
            let holding = Rendezvous(parties: 2)
            let release = Rendezvous(parties: 2)
            let holder = Task {
                try await pool.withConnection { connection in
                    try await connection.query("SELECT 1")
                    try await holding.arrive()
                    try await release.arrive()
                }
            }
            try await holding.arrive()
            let started = ContinuousClock.now
            let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            let waited = ContinuousClock.now - started
            #expect(error.code == .poolExhausted)
            #expect(error.message.contains("NOMALY_DB_POOL_SIZE"))
            #expect(waited >= .milliseconds(250))
            try await release.arrive()
            try await holder.value
            // Once the holder gives its connection back, the pool serves again.
            #expect(try await pool.query("SELECT 1").count == 1)
            let statistics = await pool.statistics()
            #expect(statistics.open == 1)
            #expect(statistics.waiting == 0)
        }
    }

    @Test("waiters are served in turn as connections come back, never beyond the maximum")
    func boundedUnderLoad() async throws {
        // A generous acquire timeout: on a loaded machine 30 queries may queue for a while, which is not what this tests.
        try await ScratchDatabase.with(maximumConnections: 3, acquireTimeout: .seconds(120)) { pool, _ in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await pool.query(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
                        )
                        .first!.decode(Int.self)
                    }
                }
                for try await seen in group { #expect(seen <= 3) }
            }
            #expect(await pool.statistics().open <= 3)
        }
    }

    @Test("the time callers wait for a connection is summed in the statistics, at least as long as they waited")
    func waitedSeconds() async throws {
        try await ScratchDatabase.with(maximumConnections: 1, acquireTimeout: .seconds(120)) { pool, _ in
            #expect(await pool.statistics().waitedSeconds == 0)
            // The holder keeps the only connection until the second caller is seen waiting for it.
            let waiter = try await pool.withConnection { _ in
                let waiter = Task { try await pool.query("SELECT 1") }
                try await waitFor(timeout: .seconds(60)) { await pool.statistics().waiting == 1 }
                // The subject, not a synchronisation: the waiter must be kept waiting a known minimum time.
                try await Task.sleep(for: .milliseconds(20))
                return waiter
            }
            _ = try await waiter.value
            let waited = await pool.statistics().waitedSeconds
            #expect(waited >= 0.02, "the second caller waited at least as long as the holder kept it waiting")
            #expect(waited < 120)
        }
    }

    @Test("a connection the server terminated is replaced transparently")
    func terminatedConnectionReplaced() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, scratch in
            let firstPID = try #require(try await pool.query("SELECT pg_backend_pid()").first).decode(Int32.self)
            let killer = PostgresPool(
                configuration: .init(connectionString: scratch.connectionString, maximumConnections: 1),
                logger: TestEnvironment.logger
            )
            try await killer.query("SELECT pg_terminate_backend($1)", [firstPID])
            // pg_terminate_backend only signals the backend; wait until it is gone, so the pool meets a dead connection.
            try await waitFor(timeout: .seconds(60)) {
                try await killer.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", [firstPID]).first!.decode(Int.self) == 0
            }
            await killer.close()
            let secondPID = try #require(try await pool.query("SELECT pg_backend_pid()").first).decode(Int32.self)
            #expect(secondPID != firstPID)
        }
    }

    @Test("a connection left inside a transaction is not lent to the next borrower")
    func openTransactionDiscarded() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            let abandoned = try await pool.withConnection { connection in
                try await connection.execute("BEGIN")
                try await connection.execute("CREATE TEMPORARY TABLE marker (x int)")
                return connection.backendPID
            }
            let next = try #require(try await pool.query("SELECT pg_backend_pid() AS pid, to_regclass('pg_temp.marker') IS NULL AS clean").first)
            #expect(try next.decode(Int32.self, column: "pid") != abandoned)
            #expect(try next.decode(Bool.self, column: "clean"))
        }
    }

    @Test("cancelling a task cancels its statement on the server and the connection stays usable")
    func cancellation() async throws {
        try await ScratchDatabase.with(maximumConnections: 2) { pool, _ in
            let sleeper = Task { try await pool.query("SELECT pg_sleep(30)") }
            // Cancel only once the statement runs on the server; earlier, cancellation is a plain CancellationError.
            try await waitFor(timeout: .seconds(60)) {
                try await pool.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
                ).first!.decode(Int.self) > 0
            }
            sleeper.cancel()
            let outcome = await sleeper.result
            guard case .failure(let error as PostgresError) = outcome else {
                Issue.record("expected a cancelled query, got \(outcome)")
                return
            }
            // Only a server-side cancel ends pg_sleep with 57014; had the statement run its course it would succeed.
            #expect(error.code == .queryCanceled)
            #expect(try await pool.query("SELECT 1").count == 1)
        }
    }

    @Test("a wrong host fails with connectionFailed and libpq's explanation")
    func connectionFailure() async throws {
        let pool = PostgresPool(
            configuration: .init(connectionString: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", maximumConnections: 1),
            logger: TestEnvironment.logger
        )
        let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("Connection refused"))
        await pool.close()
    }

    @Test("a closed pool refuses new work")
    func closedPool() async throws {
        let pool = PostgresPool(configuration: .init(connectionString: try TestEnvironment.databaseURL()), logger: TestEnvironment.logger)
        await pool.close()
        let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error.code == .poolClosed)
    }

    @Test("libpq's multi-host conninfo works: a dead first host is skipped for a read-write second")
    func multipleHosts() async throws {
        guard let url = URLComponents(string: try TestEnvironment.databaseURL()), let port = url.port, let host = url.host else {
            Issue.record("DATABASE_URL is not a postgresql:// URI with host and port")
            return
        }
        let conninfo =
            "host=\(host),\(host) port=1,\(port) user=\(url.user ?? "postgres") dbname=\(url.path.dropFirst()) "
            + "target_session_attrs=read-write connect_timeout=5"
        let pool = PostgresPool(configuration: .init(connectionString: conninfo, maximumConnections: 1), logger: TestEnvironment.logger)
        let serverPort = try #require(try await pool.query("SELECT inet_server_port()").first).decode(Int.self)
        #expect(serverPort == port)
        await pool.close()
    }
}

import Postgres
import ServiceLifecycle
import TestSupport
import Testing

@Suite("Connection pool lifetime: threads from the first connection to run()'s end")
struct PoolLifetimeTests {
    @Test("making a pool starts no thread; the first statement does, and close() stops them")
    func threadsStartOnFirstUse() async throws {
        let pool = PostgresPool(configuration: .init(connectionString: try TestEnvironment.databaseURL()), logger: TestEnvironment.logger)
        #expect(!pool.threadsAreRunning)
        #expect(try await pool.query("SELECT 1").count == 1)
        #expect(pool.threadsAreRunning)
        await pool.close()
        #expect(!pool.threadsAreRunning)
        let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error.code == .poolClosed)
        #expect(!pool.threadsAreRunning, "a closed pool does not start its threads again")
    }

    @Test("a pool closed before its first use never starts its threads")
    func closedUnused() async throws {
        let pool = PostgresPool(configuration: .init(connectionString: try TestEnvironment.databaseURL()), logger: TestEnvironment.logger)
        await pool.close()
        #expect(!pool.threadsAreRunning)
    }

    @Test("as a service, the pool serves until graceful shutdown and then stops its threads")
    func serviceStopsThreads() async throws {
        let pool = PostgresPool(configuration: .init(connectionString: try TestEnvironment.databaseURL()), logger: TestEnvironment.logger)
        let group = ServiceGroup(configuration: .init(services: [pool], logger: TestEnvironment.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await pool.query("SELECT 1").count == 1)
            #expect(pool.threadsAreRunning)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(!pool.threadsAreRunning)
    }
}

import Postgres
import ServiceLifecycle
import TestSupport
import Testing

@Suite("The embedded cluster as a service", .serialized)
struct EmbeddedClusterServiceTests {
    @Test("in a service group, a started cluster keeps running until graceful shutdown and is stopped when run() ends")
    func stopsWithTheGroup() async throws {
        try await EmbeddedClusterTests.withHome { home, users in
            let cluster = EmbeddedClusterTests.cluster(home: home)
            users.append(cluster)
            let url = try await cluster.start()
            let group = ServiceGroup(configuration: .init(services: [cluster], logger: TestEnvironment.logger))
            let running = Task { try await group.run() }
            let pool = PostgresPool(configuration: .init(connectionString: url, maximumConnections: 1), logger: TestEnvironment.logger)
            let answer = try await pool.query("SELECT 1")
            await pool.close()
            #expect(answer.count == 1)
            #expect(try cluster.isRunning(), "the cluster stopped before the group shut down")
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(try cluster.isRunning() == false)
        }
    }
}

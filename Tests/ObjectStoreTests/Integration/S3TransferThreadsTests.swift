import Foundation
import ObjectStore
import ServiceLifecycle
import TestSupport
import Testing

@Suite("S3TransferThreads: started by the first transfer, stopped by the service's end")
struct S3TransferThreadsTests {
    @Test("making a store starts no thread; a transfer does, and the service stops them at graceful shutdown")
    func serviceLifetime() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let threads = S3TransferThreads(threads: 2)
        let store = S3Store(configuration: try S3Fixture.configuration(), bucket: bucket, logger: TestEnvironment.logger, transferThreads: threads)
        #expect(!threads.isRunning)
        let group = ServiceGroup(configuration: .init(services: [threads], logger: TestEnvironment.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await store.list(prefix: "").isEmpty)
            #expect(threads.isRunning)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(!threads.isRunning)
        let error = await #expect(throws: ObjectStoreError.self) { try await store.list(prefix: "") }
        #expect(error?.code == .shutDown)
        #expect(error?.message.contains("shut down") == true)
        #expect(!threads.isRunning, "stopped threads do not start again")
    }

    @Test("threads shut down before any transfer never start")
    func shutDownUnused() async throws {
        let threads = S3TransferThreads(threads: 1)
        await threads.shutdown()
        let store = S3Store(
            configuration: try S3Fixture.configuration(),
            bucket: "unused-bucket",
            logger: TestEnvironment.logger,
            transferThreads: threads
        )
        let error = await #expect(throws: ObjectStoreError.self) { try await store.head(key: "a") }
        #expect(error?.code == .shutDown)
        #expect(!threads.isRunning)
    }
}

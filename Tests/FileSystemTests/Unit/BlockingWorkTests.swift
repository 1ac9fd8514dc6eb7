import FileSystem
import Foundation
import NIOPosix
import Synchronization
import TestSupport
import Testing

@Suite("BlockingWork: a bounded pool")
struct BlockingWorkTests {
    /// How many bodies run at once, and the most that ever did.
    final class Occupancy: Sendable {
        private let state = Mutex((running: 0, most: 0))

        func enter() {
            state.withLock { state in
                state.running += 1
                state.most = max(state.most, state.running)
            }
        }

        func leave() { state.withLock { $0.running -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    /// A flag set on one thread and read on another.
    final class Flag: Sendable {
        private let value = Mutex(false)

        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    /// Runs `body` with a started pool of `threads` threads, shut down afterwards.
    func withPool<T>(threads: Int, _ body: (NIOThreadPool) async throws -> T) async throws -> T {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        do {
            let value = try await body(pool)
            try await pool.shutdownGracefully()
            return value
        } catch {
            try await pool.shutdownGracefully()
            throw error
        }
    }

    @Test("never more work at once than the pool has threads; the rest waits in line and all of it runs")
    func bounded() async throws {
        let occupancy = Occupancy()
        let done = try await withPool(threads: 2) { pool in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await BlockingWork.run(on: pool) {
                            occupancy.enter()
                            defer { occupancy.leave() }
                            // Long enough for the others to pile up behind the two threads.
                            usleep(20_000)
                            return index
                        }
                    }
                }
                return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
            }
        }
        #expect(done == Set(0..<12))
        #expect(occupancy.most <= 2)
    }

    @Test("work cancelled while it waits for a thread never runs, and its caller gets CancellationError")
    func cancelledInLine() async throws {
        let ran = Flag()
        try await withPool(threads: 1) { pool in
            let release = DispatchSemaphore(value: 0)
            let started = Flag()
            let holder = Task {
                try await BlockingWork.run(on: pool) {
                    started.set()
                    release.wait()
                }
            }
            try await waitFor(timeout: .seconds(60)) { started.isSet }
            let waiting = Task { try await BlockingWork.run(on: pool) { ran.set() } }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            release.signal()
            try await holder.value
            // The pool runs work in order: once this ran, the cancelled work would have run before it.
            try await BlockingWork.run(on: pool) {}
        }
        #expect(!ran.isSet)
    }
}

import FileSystem
import Foundation
import NIOPosix
import Testing

@Suite("OwnedThreadPool and DedicatedThread: threads with an owner")
struct OwnedThreadPoolTests {
    /// The name the system holds for the calling thread (what `ps -L` and a debugger show).
    static func currentThreadName() throws -> String {
        try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
    }

    @Test("nothing starts until the first use; shutdown stops the threads for good")
    func lifetime() async throws {
        let threads = OwnedThreadPool(threads: 2)
        #expect(!threads.isRunning)
        let pool = try #require(threads.started())
        #expect(threads.isRunning)
        #expect(threads.started() === pool, "later uses get the same pool")
        #expect(try await pool.runIfActive { 6 * 7 } == 42)
        await threads.shutdown()
        #expect(!threads.isRunning)
        #expect(threads.started() == nil, "a pool shut down does not start again")
        await threads.shutdown()
    }

    @Test("a pool shut down before its first use never starts")
    func shutDownUnused() async {
        let threads = OwnedThreadPool(threads: 1)
        await threads.shutdown()
        #expect(threads.started() == nil)
        #expect(!threads.isRunning)
    }

    @Test("DedicatedThread runs the body on a new thread of the given name and hands back its result or error")
    func dedicatedThread() async throws {
        let name = try await DedicatedThread.run(named: "nomaly.test") { try Self.currentThreadName() }
        #expect(name == "nomaly.test")
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await DedicatedThread.run(named: "nomaly.test") { throw Refused() } }
    }

    @Test("DedicatedThread runs a body even for a cancelled task: what it owns is cleaned up by the body itself")
    func dedicatedThreadIgnoresCancellation() async throws {
        let ran = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await DedicatedThread.run(named: "nomaly.test") { true }
        }
        #expect(try await ran.value)
    }
}

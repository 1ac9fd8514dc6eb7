import Foundation
import Processes
import Synchronization
import TestSupport
import Testing

@Suite("ChildProcess.supervise: one lifecycle from spawn to exit")
struct ChildProcessSupervisionTests {
    /// Output gathered on the child's thread, read by the test.
    final class Output: Sendable {
        private let text = Mutex("")

        func append(_ bytes: UnsafeRawBufferPointer) { text.withLock { $0 += String(decoding: bytes, as: UTF8.self) } }

        var value: String { text.withLock { $0 } }
    }

    /// Runs `script` under `sh -c`, streaming its output into `output`. - Returns: its exit status.
    static func supervise(_ script: String, killGrace: Duration = .seconds(1), into output: Output) async throws -> Int32 {
        try await ChildProcess.supervise(["sh", "-c", script], killGrace: killGrace) { child in
            child.stream { output.append($0) }
        }
    }

    /// A marker no other process on the machine has in its command line.
    static func marker() -> String { "\(Int.random(in: 100_000...999_999)).\(Int.random(in: 10...99))" }

    @Test("output reaches the caller while the program still runs")
    func streamsWhileRunning() async throws {
        let flag = NSTemporaryDirectory() + "nomaly-supervise-" + UUID().uuidString
        defer { unlink(flag) }
        let output = Output()
        let run = Task { try await Self.supervise("echo first; while [ ! -e '\(flag)' ]; do sleep 0.05; done; echo second", into: output) }
        // The program cannot end before the flag exists, so seeing its first line now shows it was streamed.
        try await waitFor(timeout: .seconds(60)) { output.value == "first\n" }
        #expect(FileManager.default.createFile(atPath: flag, contents: nil))
        #expect(try await run.value == 0)
        #expect(output.value == "first\nsecond\n")
    }

    @Test("cancelling stops the group: SIGTERM first, and SIGKILL after the grace for a program that ignores it")
    func cancellationWithGrace() async throws {
        let polite = Output()
        let stopsAtTerm = Task { try await Self.supervise("echo ready; while true; do sleep 0.05; done", into: polite) }
        try await waitFor(timeout: .seconds(60)) { polite.value == "ready\n" }
        stopsAtTerm.cancel()
        #expect(try await stopsAtTerm.value == 128 + SIGTERM)

        let stubborn = Output()
        let ignoresTerm = Task { try await Self.supervise("trap '' TERM; echo ready; while true; do sleep 0.05; done", into: stubborn) }
        try await waitFor(timeout: .seconds(60)) { stubborn.value == "ready\n" }
        ignoresTerm.cancel()
        #expect(try await ignoresTerm.value == 128 + SIGKILL)
    }

    @Test("the program's descendants in its group die with it, even those that ignore SIGTERM")
    func descendantsDie() async throws {
        let marker = Self.marker()
        let output = Output()
        let script = "sleep \(marker) & sh -c \"trap '' TERM; sleep \(marker)\" & echo ready; wait"
        let run = Task { try await Self.supervise(script, into: output) }
        try await waitFor(timeout: .seconds(60)) { output.value == "ready\n" && processes(matching: marker).count == 2 }
        run.cancel()
        #expect(try await run.value == 128 + SIGTERM)
        // The plain sleep goes at SIGTERM; the one whose shell ignores it at SIGKILL, a second later.
        try await waitFor(timeout: .seconds(60)) { processes(matching: marker).isEmpty }
    }

    @Test("what a program leaves running in its group when it exits gets SIGTERM")
    func leftoversTerminated() async throws {
        let marker = Self.marker()
        let output = Output()
        #expect(try await Self.supervise("sleep \(marker) > /dev/null 2>&1 & echo started", into: output) == 0)
        #expect(output.value == "started\n")
        try await waitFor(timeout: .seconds(60)) { processes(matching: marker).isEmpty }
    }

    @Test("a body that fails before reading: the program is killed and reaped, and the error reaches the caller")
    func bodyFailure() async throws {
        struct Refused: Error {}
        let pid = Mutex<Int32>(0)
        await #expect(throws: Refused.self) {
            try await ChildProcess.supervise(["sleep", "1000"], killGrace: .seconds(1)) { child in
                pid.withLock { $0 = child.pid }
                throw Refused()
            }
        }
        // Reaped, not a zombie: the process is gone from the table as the call returns.
        let child = pid.withLock { $0 }
        #expect(child > 0)
        #expect(kill(child, 0) == -1 && errno == ESRCH)
    }

    @Test("a program that cannot start fails with a message naming it")
    func cannotStart() async throws {
        let error = await #expect(throws: ChildProcessError.self) {
            try await ChildProcess.supervise(["/nonexistent/program"], killGrace: .seconds(1)) { $0.stream { _ in } }
        }
        #expect(error?.description.hasPrefix("cannot run /nonexistent/program:") == true)
    }

    @Test("a supervised program gets descriptors 0, 1 and 2 only")
    func onlyStandardDescriptors() async throws {
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        let output = Output()
        #expect(try await Self.supervise("ls /proc/$$/fd", into: output) == 0)
        #expect(output.value.split(separator: "\n") == ["0", "1", "2"])
    }
}

import Foundation
import Processes
import Testing

@Suite("ChildProcess: what a child inherits")
struct ChildProcessDescriptorTests {
    /// Opens descriptors the way careless code (or a C library) does: without close-on-exec.
    func withLeakyDescriptors<T>(_ body: () throws -> T) throws -> T {
        let descriptors = (0..<3).map { _ in open("/dev/null", O_RDONLY) }
        #expect(descriptors.allSatisfy { $0 > 2 })
        defer { for descriptor in descriptors { close(descriptor) } }
        return try body()
    }

    @Test("a child gets standard input, output and error and nothing else, even when the parent leaks descriptors")
    func onlyStandardDescriptors() throws {
        let result = try withLeakyDescriptors { try ChildProcess.run(["/bin/sh", "-c", "ls /proc/$$/fd"]) }
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.split(separator: "\n") == ["0", "1", "2"])
    }

    @Test("the same holds with a working directory and a process group of its own (command jobs)")
    func withOptions() throws {
        let result = try withLeakyDescriptors {
            try ChildProcess.spawn(["sh", "-c", "pwd; ls /proc/$$/fd"], workingDirectory: "/tmp", newProcessGroup: true).collect()
        }
        #expect(result.standardOutput.split(separator: "\n") == ["/tmp", "0", "1", "2"])
    }

    // A regression guard: close-on-exec already kept pipes private before pipe2 closed the window between pipe(2)
    // and fcntl(2), which no test can hit reliably.
    @Test("the pipes of one child do not reach a second child started while the first runs")
    func pipesStayPrivate() throws {
        let first = try ChildProcess.spawn(["sleep", "5"])
        defer {
            first.signal(SIGKILL)
            _ = first.collect()
        }
        let second = try ChildProcess.run(["/bin/sh", "-c", "ls /proc/$$/fd"])
        #expect(second.standardOutput.split(separator: "\n") == ["0", "1", "2"])
    }

    @Test("a descriptor given as standard input is what the child reads, and still only 0, 1 and 2 are open")
    func standardInputFromDescriptor() throws {
        let path = NSTemporaryDirectory() + "nomaly-stdin-" + UUID().uuidString
        try Data("from the parent's descriptor\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let input = open(path, O_RDONLY | O_CLOEXEC)
        try #require(input > 2)
        defer { close(input) }
        let result = try ChildProcess.run(["/bin/sh", "-c", "cat; ls /proc/$$/fd"], standardInput: input)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.split(separator: "\n") == ["from the parent's descriptor", "0", "1", "2"])
        // Without one, the child reads /dev/null: nothing.
        #expect(try ChildProcess.run(["cat"]).standardOutput.isEmpty)
    }
}

import Foundation
import Synchronization
import Testing

@testable import Datasets

/// The pipe that feeds a gzip stream to its reader is created close-on-exec in one step (pipe2). With pipe() and a
/// later fcntl, a child spawned by another thread in between inherits the pipe for its whole life.
@Suite("GzipPipe: its descriptors never leak into a child spawned meanwhile")
struct GzipPipeTests {
    /// The inode numbers of the pipes a child holds, from `ls -l /proc/self/fd` (`3 -> pipe:[123456]`).
    static func pipesInChild(listingInto output: String) throws -> Set<UInt64> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Deliberately no closing of other descriptors: only close-on-exec decides what the child keeps.
        let words: [String] = ["ls", "-l", "/proc/self/fd/"]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/bin/ls", &actions, nil, arguments, environ)
        try #require(spawned == 0, "posix_spawn: \(String(cString: strerror(spawned)))")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let listing = try String(contentsOfFile: output, encoding: .utf8)
        return Set(
            listing.split(separator: "\n").compactMap { line in
                guard let range = line.range(of: "pipe:[") else { return nil }
                return UInt64(line[range.upperBound...].prefix { $0 != "]" })
            }
        )
    }

    @Test("children spawned while pipes are made hold none of them")
    func noLeakIntoChildren() throws {
        let output = FileManager.default.temporaryDirectory.path + "/gzip-pipe-fds-\(UUID().uuidString)"
        defer { unlink(output) }
        let made = Mutex<Set<UInt64>>([])
        let stop = Atomic<Bool>(false)
        let maker = Thread {
            while !stop.load(ordering: .relaxed) {
                guard let pipe = try? GzipPipe(first: [], read: { _ in 0 }, finished: {}) else { continue }
                var status = stat()
                if let descriptor = Int32(pipe.readPath.dropFirst("/dev/fd/".count)), fstat(descriptor, &status) == 0 {
                    made.withLock { _ = $0.insert(UInt64(status.st_ino)) }
                }
            }
        }
        maker.start()
        defer { stop.store(true, ordering: .relaxed) }
        var inherited: Set<UInt64> = []
        for _ in 0..<300 { inherited.formUnion(try Self.pipesInChild(listingInto: output)) }
        stop.store(true, ordering: .relaxed)
        let leaked = made.withLock { inherited.intersection($0) }
        #expect(made.withLock { $0.count } > 300, "pipes were made while the children started")
        #expect(leaked.isEmpty, "\(leaked.count) pipes of GzipPipe reached a child")
    }
}

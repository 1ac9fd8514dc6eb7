import FileSystem
import Foundation
import NIOPosix
import Testing

@testable import Archive

@Suite("ParallelGzipWriter on a bounded pool")
struct ParallelGzipWriterTests {
    /// Text of several 64 KiB blocks, so that gunzip's output compares as a string.
    static let text = (0..<40_000).map { "row \($0): \($0 &* 2_654_435_761 % 1_000_003)\n" }.joined()

    /// Compresses ``text`` into `path` on the calling thread, blocks compressing on `pool`. Blocking.
    /// - Returns: the sha256 the writer computed.
    static func compress(into path: String, pool: NIOThreadPool) throws -> String {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CommandError(description: "cannot create \(path)") }
        defer { close(descriptor) }
        let writer = ParallelGzipWriter(descriptor: descriptor, level: 6, blockSize: 64 << 10, threads: 4, pool: pool)
        try Array(text.utf8).withUnsafeBytes { try writer.append($0) }
        return try writer.finish()
    }

    /// What the writer wrote is gzip that inflates to ``text``, and its sha256 is the file's.
    static func expectValid(_ path: String, sha256: String) throws {
        #expect(try run(["gzip", "-dc", path]) == text)
        #expect(try sha256sum(path) == sha256)
    }

    let scratch: Scratch
    var path: String { scratch.path + "/out.gz" }

    init() throws { scratch = try Scratch() }

    @Test("a writer on the only thread of its pool finishes: it compresses the blocks no thread has taken")
    func writerHoldsTheOnlyThread() async throws {
        let (path, pool) = (path, NIOThreadPool(numberOfThreads: 1))
        pool.start()
        // Waiting there for a block queued on the same pool would wait for ever: no thread would ever take it.
        let sha256 = try await BlockingWork.run(on: pool) { try Self.compress(into: path, pool: pool) }
        try await pool.shutdownGracefully()
        try Self.expectValid(path, sha256: sha256)
    }

    @Test("with its pool shut down, the writer compresses every block itself, into the same bytes")
    func poolShutDown() async throws {
        let (path, stopped) = (path, NIOThreadPool(numberOfThreads: 1))
        stopped.start()
        try await stopped.shutdownGracefully()
        let sha256 = try await BlockingWork.run { try Self.compress(into: path, pool: stopped) }
        try Self.expectValid(path, sha256: sha256)
        // Block boundaries do not depend on who compresses: a pool that runs gives the same bytes.
        #expect(try await BlockingWork.run { try Self.compress(into: path, pool: BlockingWork.pool) } == sha256)
    }
}

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

    @Test("a writer on the only thread of its pool finishes: it compresses the blocks no thread has taken")
    func writerHoldsTheOnlyThread() async throws {
        let scratch = try Scratch()
        let path = scratch.path + "/out.gz"
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        // Waiting there for a block queued on the same pool would wait for ever: no thread would ever take it.
        let sha256 = try await BlockingWork.run(on: pool) { try Self.compress(into: path, pool: pool) }
        try await pool.shutdownGracefully()
        #expect(try run(["gzip", "-dc", path]) == Self.text)
        #expect(try sha256sum(path) == sha256)
    }

    @Test("with its pool shut down, the writer compresses every block itself")
    func poolShutDown() async throws {
        let scratch = try Scratch()
        let path = scratch.path + "/out.gz"
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        try await pool.shutdownGracefully()
        let sha256 = try await BlockingWork.run { try Self.compress(into: path, pool: pool) }
        #expect(try run(["gzip", "-dc", path]) == Self.text)
        #expect(try sha256sum(path) == sha256)
        // The same bytes as on a pool that runs: block boundaries do not depend on who compresses.
        let shared = try await BlockingWork.run { try Self.compress(into: path, pool: BlockingWork.pool) }
        #expect(shared == sha256)
    }
}

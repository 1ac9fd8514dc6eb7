internal import CArchive
import Crypto
import FileSystem
import Foundation
import NIOPosix
import Synchronization

/// Compresses a byte stream into concatenated gzip members, one per block, on every core at once,
/// and writes them in order to a file descriptor while hashing the output.
///
/// A single zlib stream is the bottleneck of `tar -czf`; independent members (as pigz writes them) let
/// blocks compress in parallel and still form one valid `.gz` that gzip, GNU tar, Python and libarchive
/// read. Block boundaries depend only on `blockSize`, never on the thread count, so the output is
/// byte-for-byte deterministic.
///
/// Blocks compress on the shared blocking pool, where the writer itself runs (`TarGz.create`). A writer that
/// waited there for a block no pool thread had taken yet could wait forever (every thread may be such a writer), so
/// a block is taken by whoever comes first: a pool thread, or the writer when it needs the block next. The writer
/// thus only ever waits for a block that is being compressed.
///
/// Invariant: one producer — `append` and `finish` are called from a single thread; compression hands results
/// back under `completed`'s lock.
final class ParallelGzipWriter {
    private let descriptor: Int32
    private let level: Int32
    private let blockSize: Int
    private var pending: [UInt8] = []
    private var hasher = SHA256()
    private(set) var compressedBytes: Int64 = 0
    private(set) var uncompressedBytes: Int64 = 0

    private let pool: NIOThreadPool
    private let maximumInFlight: Int
    private let completed = CompletedBlocks()
    /// Blocks submitted and not yet written, by index; the writer's alone.
    private var submittedBlocks: [Int: BlockCompression] = [:]
    private var submitted = 0
    private var written = 0

    /// - Parameters:
    ///   - descriptor: an open file, FIFO or device the members are written to (not closed here).
    ///   - level: zlib level 1…9.
    ///   - blockSize: uncompressed bytes per member.
    ///   - threads: blocks compressed at once.
    ///   - pool: where blocks compress; the shared blocking pool unless a test chooses one.
    init(descriptor: Int32, level: Int, blockSize: Int, threads: Int, pool: NIOThreadPool = BlockingWork.pool) {
        self.descriptor = descriptor
        self.pool = pool
        self.level = Int32(level)
        self.blockSize = blockSize
        // Two blocks per thread in flight keep every core busy while bounding memory.
        maximumInFlight = max(1, threads) * 2
        pending.reserveCapacity(blockSize)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        uncompressedBytes += Int64(bytes.count)
        var remaining = bytes[...]
        while !remaining.isEmpty {
            let take = min(blockSize - pending.count, remaining.count)
            pending.append(contentsOf: remaining.prefix(take))
            remaining = remaining.dropFirst(take)
            if pending.count == blockSize { try submitPending() }
        }
    }

    /// Compresses what is left and writes every member. Returns the hex sha256 of the whole output.
    func finish() throws -> String {
        if !pending.isEmpty || submitted == 0 { try submitPending() }
        while written < submitted { try writeNext(waiting: true) }
        return hasher.finalize().hexString
    }

    private func submitPending() throws {
        // Write out finished members first; block on the oldest only when too many are in flight.
        while written < submitted, try writeNext(waiting: submitted - written >= maximumInFlight) {}
        let block = pending
        pending = []
        pending.reserveCapacity(blockSize)
        let index = submitted
        submitted += 1
        let compression = BlockCompression(block, level: level)
        submittedBlocks[index] = compression
        let completed = self.completed
        // An inactive pool (shut down) runs nothing: the writer then compresses every block itself.
        pool.submit { state in
            guard state == .active, compression.take() else { return }
            completed.store(compression.run(), at: index)
        }
    }

    /// Writes the next member in order if it is ready (or, with `waiting`, once it is).
    /// - Returns: whether a member was written.
    @discardableResult
    private func writeNext(waiting: Bool) throws -> Bool {
        if waiting, let compression = submittedBlocks[written], compression.take() {
            // No pool thread took it yet: waiting for one could be waiting forever.
            completed.store(compression.run(), at: written)
        }
        guard let result = completed.take(written, waiting: waiting) else { return false }
        submittedBlocks[written] = nil
        written += 1
        let member = try result.get()
        try member.withUnsafeBytes { try writeAll($0) }
        return true
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bufferPointer: bytes)
        compressedBytes += Int64(bytes.count)
        // The archive may be written in place into a FIFO or onto standard output (OutputFile), whose reader can go.
        do throws(FileSystemError) {
            try SystemCalls.writeAll(descriptor, bytes, context: "cannot write the archive")
        } catch {
            throw ArchiveError(code: .io, message: error.description)
        }
    }

    /// One complete gzip member (header, deflate data, CRC and size) for `block`.
    static func compress(_ block: [UInt8], level: Int32) -> Result<[UInt8], ArchiveError> {
        var stream = z_stream()
        // windowBits 31 = 15 + 16: a gzip wrapper, whose header zlib writes with mtime 0 (deterministic).
        guard CArchive_deflateInit2(&stream, level, 31) == Z_OK else {
            return .failure(ArchiveError(code: .io, message: "zlib could not start compressing"))
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(block.count))) + 32)
        let status = block.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            return .failure(ArchiveError(code: .io, message: "zlib failed to compress a block (status \(status))"))
        }
        output.removeLast(Int(stream.avail_out))
        return .success(output)
    }
}

/// One block on its way to the pool, compressed by whichever thread takes it first.
private final class BlockCompression: Sendable {
    private let block: [UInt8]
    private let level: Int32
    private let taken = Atomic<Bool>(false)

    init(_ block: [UInt8], level: Int32) {
        self.block = block
        self.level = level
    }

    /// True for exactly one caller, which must then ``run()`` it.
    func take() -> Bool {
        taken.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    func run() -> Result<[UInt8], ArchiveError> { ParallelGzipWriter.compress(block, level: level) }
}

/// Compressed members handed from the compressing threads to the writing thread.
/// Every access holds `condition`'s lock, which is what makes sharing it across threads safe.
private final class CompletedBlocks: @unchecked Sendable {
    private let condition = NSCondition()
    private var blocks: [Int: Result<[UInt8], ArchiveError>] = [:]

    func store(_ result: Result<[UInt8], ArchiveError>, at index: Int) {
        condition.lock()
        blocks[index] = result
        condition.broadcast()
        condition.unlock()
    }

    /// Removes and returns block `index`; with `waiting`, blocks until it is there.
    func take(_ index: Int, waiting: Bool) -> Result<[UInt8], ArchiveError>? {
        condition.lock()
        defer { condition.unlock() }
        while waiting && blocks[index] == nil { condition.wait() }
        return blocks.removeValue(forKey: index)
    }
}

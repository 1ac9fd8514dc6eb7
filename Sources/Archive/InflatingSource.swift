internal import CArchive
import Crypto
import FileSystem
import Foundation
import Synchronization

/// Reads a gzip file on a thread of its own, hashing and inflating it (every member, as pigz and our own
/// writer produce several), and hands the tar bytes to the consumer through a small bounded queue.
///
/// Decompression is half the cost of extracting; on its own thread it overlaps with tar parsing and file
/// writes instead of adding to them. Only gzip is accepted: anything else fails as corrupt, so the tar
/// parser never sees bytes we did not inflate.
///
/// Invariant: one consumer calls ``next()``; the producer thread is the only writer of the queue's tail.
/// Shared state is guarded by `condition`.
final class InflatingSource: @unchecked Sendable {
    private let path: String
    private let descriptor: Int32
    private let condition = NSCondition()
    private var chunks: [Chunk] = []
    private var finished = false
    private var cancelled = false
    private var failure: ArchiveError?
    private var sha256: String?
    private var current: Chunk?
    private let compressedCounter = Atomic<Int64>(0)
    private static let chunkSize = 1 << 20
    private static let queueDepth = 8

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError(code: .io, message: FileSystemError("cannot open \(path)").description) }
        DedicatedThread.start(named: "nomaly.inflate") { [self] in produce() }
    }

    deinit {
        close(descriptor)
    }

    /// Compressed bytes read from the file so far.
    var compressedBytesRead: Int64 { compressedCounter.load(ordering: .relaxed) }

    /// The next tar bytes, empty at the end. The buffer stays valid until the following call.
    func next() throws -> UnsafeRawBufferPointer {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished && failure == nil { condition.wait() }
        if let failure { throw failure }
        guard !chunks.isEmpty else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let chunk = chunks.removeFirst()
        current = chunk
        condition.broadcast()
        return UnsafeRawBufferPointer(chunk.bytes)
    }

    /// The producer's error, if it failed, so the consumer can report it instead of libarchive's echo of it.
    var failureIfAny: ArchiveError? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Waits for the producer to reach the end of the file.
    /// - Returns: the sha256 of the whole compressed file.
    func finish() throws -> String {
        condition.lock()
        defer { condition.unlock() }
        while !finished && failure == nil {
            chunks.removeAll()
            condition.broadcast()
            condition.wait()
        }
        if let failure { throw failure }
        return sha256 ?? ""
    }

    /// Stops the producer early (the consumer gave up). Safe to call more than once.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Producer

    private func produce() {
        var hasher = SHA256()
        var stream = z_stream()
        var input = [UInt8](repeating: 0, count: Self.chunkSize)
        var output = [UInt8](repeating: 0, count: Self.chunkSize)
        var streamStarted = false
        var memberOpen = false
        var sawAnyMember = false
        defer { if streamStarted { inflateEnd(&stream) } }
        do {
            reading: while true {
                let count = try readInput(into: &input)
                if count == 0 { break }
                input.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                compressedCounter.add(Int64(count), ordering: .relaxed)
                var offset = 0
                while offset < count {
                    if !memberOpen {
                        // Between members only zero padding (from block-padded writers) may follow the last one.
                        if sawAnyMember, input[offset..<count].allSatisfy({ $0 == 0 }) { break }
                        guard input[offset] == 0x1F, offset + 1 >= count || input[offset + 1] == 0x8B else {
                            throw ArchiveError(code: .corrupt, message: "\(path) is not gzip-compressed")
                        }
                        let status = streamStarted ? inflateReset(&stream) : CArchive_inflateInit2(&stream, 31)
                        guard status == Z_OK else { throw ArchiveError(code: .io, message: "zlib could not start inflating") }
                        streamStarted = true
                        memberOpen = true
                        sawAnyMember = true
                    }
                    let (consumed, produced, status) = input.withUnsafeMutableBytes { inBytes in
                        output.withUnsafeMutableBytes { outBytes in
                            stream.next_in = inBytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + offset
                            stream.avail_in = uInt(count - offset)
                            stream.next_out = outBytes.baseAddress!.assumingMemoryBound(to: Bytef.self)
                            stream.avail_out = uInt(outBytes.count)
                            let status = inflate(&stream, Z_NO_FLUSH)
                            return (count - offset - Int(stream.avail_in), outBytes.count - Int(stream.avail_out), status)
                        }
                    }
                    offset += consumed
                    if produced > 0 {
                        let chunk = output.withUnsafeBytes { Chunk(copying: UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
                        guard deliver(chunk) else { return }
                    }
                    switch status {
                    case Z_STREAM_END: memberOpen = false
                    case Z_OK, Z_BUF_ERROR: continue
                    default: throw ArchiveError(code: .corrupt, message: "\(path) is damaged (zlib status \(status))")
                    }
                }
                if isCancelled { return }
                continue reading
            }
            guard sawAnyMember else { throw ArchiveError(code: .corrupt, message: "\(path) is empty") }
            guard !memberOpen else { throw ArchiveError(code: .corrupt, message: "\(path) is truncated") }
            complete(sha256: hasher.finalize().hexString)
        } catch let error as ArchiveError {
            fail(error)
        } catch {
            fail(ArchiveError(code: .io, message: "\(error)"))
        }
    }

    private var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    private func readInput(into buffer: inout [UInt8]) throws -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno != EINTR { throw ArchiveError(code: .io, message: FileSystemError("cannot read \(path)").description) }
        }
    }

    /// Queues tar bytes, waiting while the queue is full. Returns false when the consumer cancelled.
    private func deliver(_ chunk: Chunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= Self.queueDepth && !cancelled { condition.wait() }
        if cancelled { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    private func complete(sha256 value: String) {
        condition.lock()
        sha256 = value
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func fail(_ error: ArchiveError) {
        condition.lock()
        failure = failure ?? error
        condition.broadcast()
        condition.unlock()
    }
}

/// Inflated bytes with a fixed address: libarchive keeps a pointer to the last chunk until it asks for the next.
private final class Chunk {
    let bytes: UnsafeMutableRawBufferPointer

    init(copying source: UnsafeRawBufferPointer) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 16)
        bytes.copyMemory(from: source)
    }

    deinit { bytes.deallocate() }
}

import Crypto
import Foundation
import TestSupport
import Testing

@testable import ObjectStore

@Suite("S3Store.openStream reads objects as they download: bounded, checked, resumed")
struct ObjectReadStreamTests {
    /// Reads the whole stream on a thread of its own (reads block), calling `after` with the byte count after each read.
    static func readAll(_ stream: ObjectReadStream, after: @escaping @Sendable (Int64) -> Void = { _ in }) async throws -> (Int64, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try readAllBlocking(stream, after: after) }) }
        }
    }

    /// Reads the whole stream on the calling thread. Blocking.
    /// - Returns: the byte count and their sha256.
    static func readAllBlocking(_ stream: ObjectReadStream, after: (Int64) -> Void = { _ in }) throws -> (Int64, String) {
        var hasher = SHA256()
        var total: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try stream.read(into: buffer)
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += Int64(count)
            after(total)
        }
        return (total, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    @Test("every byte arrives, the recorded sha256 is checked, and an object over the limit is refused before its first byte")
    func wholeAndLimited() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try S3Fixture.store(bucket)
        let source = try await folder.file("source", size: 3 << 20)
        try await store.put(file: source, key: "in/data.bin", progress: nil)
        let stream = try await store.openStream(key: "in/data.bin", maxBytes: 3 << 20)
        defer { stream.close() }
        let (size, sha256) = try await Self.readAll(stream)
        #expect(size == 3 << 20)
        #expect(sha256 == (try await S3Fixture.sha256(source)))

        let refused = await #expect(throws: ObjectStoreError.self) { try await store.openStream(key: "in/data.bin", maxBytes: (3 << 20) - 1) }
        #expect(refused?.code == .tooLarge)
        let missing = await #expect(throws: ObjectStoreError.self) { try await store.openStream(key: "in/none", maxBytes: 1) }
        #expect(missing?.code == .notFound)
    }

    @Test("a reader on the only thread of the store's transfer pool gets every byte: the download has a thread of its own")
    func readerHoldsTheOnlyTransferThread() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let configuration = try S3Fixture.configuration()
        let threads = S3TransferThreads(threads: 1)
        let store = S3Store(configuration: configuration, bucket: bucket, logger: TestEnvironment.logger, transferThreads: threads)
        // More than the stream holds: the download must wait for the reader, and the reader for the download.
        let size = ObjectReadStream.capacity + (4 << 20)
        let source = try await folder.file("source", size: size)
        try await store.put(file: source, key: "large.bin", progress: nil)
        let stream = try await store.openStream(key: "large.bin", maxBytes: Int64(size))
        defer { stream.close() }
        // Were the download queued behind the reader on the pool's one thread, neither would ever finish.
        let (total, sha256) = try await threads.run(for: configuration) { try Self.readAllBlocking(stream) }
        await threads.shutdown()
        #expect(total == Int64(size))
        #expect(sha256 == (try await S3Fixture.sha256(source)))
    }

    @Test("a stream holds a few MiB, not the object: the download waits for the reader")
    func bounded() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try S3Fixture.store(bucket)
        try await store.put(file: try await folder.file("large", size: 40 << 20), key: "large.bin", progress: nil)
        let stream = try await store.openStream(key: "large.bin", maxBytes: 1 << 30)
        // Nothing is read yet: the transfer runs ahead until the buffer is full, then waits (the count stays put).
        let bound = Int64(ObjectReadStream.capacity + (1 << 20))
        var held: Int64 = -1
        var steadySince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, stream.bytesReceived <= bound, held < 1 || ContinuousClock.now - steadySince < .seconds(2) {
            if stream.bytesReceived != held { (held, steadySince) = (stream.bytesReceived, .now) }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(stream.bytesReceived <= bound, "\(stream.bytesReceived) bytes held")
        #expect(stream.bytesReceived >= Int64(ObjectReadStream.capacity), "the transfer filled the buffer before it waited")
        let (total, _) = try await Self.readAll(stream)
        #expect(total == 40 << 20)
    }

    @Test("content that does not match the sha256 recorded at upload fails at the end, before the reader sees it end")
    func integrity() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let source = try await folder.file("source", size: 1000)
        let wrong = String(repeating: "0", count: 64)
        try await S3Fixture.aws(["s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", source, "--metadata", "sha256=\(wrong)"])
        let stream = try await S3Fixture.store(bucket).openStream(key: "k", maxBytes: 1 << 20)
        let error = await #expect(throws: ObjectStoreError.self) { try await Self.readAll(stream) }
        #expect(error?.code == .integrity)
    }

    @Test("a connection cut mid-download resumes where the stream stands, and the bytes are the object's")
    func resumes() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let source = try await folder.file("source", size: 30 << 20)
        try await S3Fixture.store(bucket).put(file: source, key: "big.bin", progress: nil)
        let proxy = try S3FailureTests.proxy()
        defer { proxy.stop() }
        let store = try S3Fixture.store(bucket) {
            $0.endpoint = URL(string: proxy.endpoint)
            $0.maxAttempts = 6
            $0.retryBaseDelay = .milliseconds(200)
        }
        let stream = try await store.openStream(key: "big.bin", maxBytes: 1 << 30)
        let cut = CutOnce()
        let (size, sha256) = try await Self.readAll(stream) { total in
            guard total > 2 << 20, cut.first() else { return }
            // Every connection cut while the object is still on its way, and refused for a second.
            proxy.stop()
            Thread.sleep(forTimeInterval: 1)
            try? proxy.start()
        }
        #expect(size == 30 << 20)
        #expect(sha256 == (try await S3Fixture.sha256(source)))
        #expect(proxy.acceptedConnections >= 2, "the download went on over a new connection")
    }
}

/// True the first time only.
final class CutOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    func first() -> Bool {
        lock.withLock {
            defer { done = true }
            return !done
        }
    }
}

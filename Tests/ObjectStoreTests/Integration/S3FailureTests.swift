import Foundation
import ObjectStore
import Synchronization
import TestSupport
import Testing

/// Failures in the middle of a multipart upload: afterwards S3 holds either the whole object or nothing, and never
/// an incomplete upload (checked with ListMultipartUploads through the aws CLI).
@Suite("S3Store multipart uploads survive or clean up after failures")
struct S3FailureTests {
    static let size = 30 << 20

    /// A store that reaches the server through `proxy`, with 5 MiB parts two at a time.
    func store(_ bucket: String, through proxy: TCPProxy, attempts: Int = 6) throws -> S3Store {
        try S3Fixture.store(bucket) {
            $0.endpoint = URL(string: proxy.endpoint)
            $0.multipartThreshold = 5 << 20
            $0.partSize = 5 << 20
            $0.concurrency = 2
            $0.maxAttempts = attempts
            $0.retryBaseDelay = .milliseconds(200)
        }
    }

    static func proxy() throws -> TCPProxy {
        let port = try #require(URL(string: try S3Fixture.endpoint())?.port)
        return try TCPProxy(targetPort: port)
    }

    @Test("the server vanishing mid-upload (connections cut, then refused for a second) is retried to a complete object")
    func outageRetried() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let source = try await folder.file("source", size: Self.size)
        let expected = try await S3Fixture.sha256(source)
        let proxy = try Self.proxy()
        defer { proxy.stop() }
        let store = try store(bucket, through: proxy)

        let state = Mutex<(outage: Bool, last: Int64, wentBack: Bool)>((false, 0, false))
        let info = try await store.put(file: source, key: "survivor.bin") { done, _ in
            let startOutage = state.withLock { state -> Bool in
                if done < state.last { state.wentBack = true }
                state.last = done
                guard !state.outage, done > 12 << 20 else { return false }
                state.outage = true
                return true
            }
            guard startOutage else { return }
            // Cut every connection now, from inside a transfer, and listen again a second later.
            proxy.stop()
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 1)
                try? proxy.start()
            }
        }
        let (outage, last, wentBack) = state.withLock { $0 }
        #expect(outage)
        #expect(wentBack, "a part was cut off and sent again")
        #expect(last == Int64(Self.size))
        #expect(info.sha256 == expected)
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)
        let copy = folder.path + "/copy"
        #expect(try await S3Fixture.store(bucket).get(key: "survivor.bin", to: copy, progress: nil).sha256 == expected)
    }

    @Test("a source file that shrinks mid-upload fails the upload, which is aborted")
    func failureAborts() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let source = try await folder.file("source", size: Self.size)
        let proxy = try Self.proxy()
        defer { proxy.stop() }
        let store = try store(bucket, through: proxy)

        let truncated = Atomic<Bool>(false)
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.put(file: source, key: "shrinking.bin") { done, _ in
                if done > 12 << 20, !truncated.exchange(true, ordering: .relaxed) { truncate(source, 6 << 20) }
            }
        }
        let didTruncate = truncated.load(ordering: .relaxed)
        #expect(didTruncate)
        #expect(error?.code == .io)
        #expect(error?.message.contains("shorter") == true)
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)
        #expect(try await S3Fixture.store(bucket).head(key: "shrinking.bin") == nil)
    }

    @Test("cancelling the task mid-upload stops the parts in flight and aborts the upload")
    func cancellationAborts() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let source = try await folder.file("source", size: Self.size)
        let proxy = try Self.proxy()
        defer { proxy.stop() }
        let store = try store(bucket, through: proxy)

        let reached = Atomic<Bool>(false)
        let upload = Task {
            try await store.put(file: source, key: "cancelled.bin") { done, _ in
                if done > 12 << 20 { reached.store(true, ordering: .relaxed) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(120)
        while !reached.load(ordering: .relaxed), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let didReach = reached.load(ordering: .relaxed)
        try #require(didReach, "the upload reached 12 MiB")
        upload.cancel()
        let result = await upload.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)
        #expect(try await S3Fixture.store(bucket).head(key: "cancelled.bin") == nil)
    }
}

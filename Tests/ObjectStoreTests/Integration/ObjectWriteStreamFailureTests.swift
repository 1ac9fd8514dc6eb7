import Foundation
import ObjectStore
import TestSupport
import Testing

/// A streamed upload whose server goes away between parts: the moto S3 server behind a proxy that stops listening, so
/// every part sent after that meets a refused connection, as it would when the endpoint becomes unreachable.
@Suite("ObjectWriteStream whose part uploads fail mid-stream (moto behind a proxy that is stopped)")
struct ObjectWriteStreamFailureTests {
    @Test("a part that cannot be sent fails the writer with UploadPart's transport error; the abort then leaves nothing")
    func partUploadFails() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let proxy = try S3FailureTests.proxy()
        defer { proxy.stop() }
        let store = try S3Fixture.store(bucket) {
            $0.endpoint = URL(string: proxy.endpoint)
            $0.partSize = 5 << 20
            $0.concurrency = 2
            $0.maxAttempts = 2
            $0.retryBaseDelay = .milliseconds(100)
        }
        let stream = try await store.openUpload(key: "out/scores.csv", replacing: false)
        let part = [UInt8](repeating: UInt8(ascii: "a"), count: 5 << 20)
        // The first full part creates the multipart upload, through the proxy while it still listens.
        try await ObjectWriteStreamTests.onThread { try part.withUnsafeBytes { try stream.write($0) } }
        proxy.stop()

        let outcome: Result<Void, any Error> = try await ObjectWriteStreamTests.onThread {
            Result {
                // Far more than the parts in flight may hold: a failed part must stop the writer, not be skipped.
                for _ in 0..<40 { try part.withUnsafeBytes { try stream.write($0) } }
                try stream.finish()
            }
        }
        guard case .failure(let failure) = outcome else {
            Issue.record("the stream completed although no part could reach the server")
            return
        }
        let error = try #require(failure as? ObjectStoreError, "\(failure)")
        #expect(error.code == .transport, "\(error)")
        #expect(error.message.contains("UploadPart s3://\(bucket)/out/scores.csv"), "\(error.message)")

        // With the server reachable again, the writer's abort removes the parts that did go up.
        try proxy.start()
        try await ObjectWriteStreamTests.onThread { stream.abort() }
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)
        #expect(try await S3Fixture.store(bucket).head(key: "out/scores.csv") == nil)
    }
}

import Foundation
import ObjectStore
import TestSupport
import Testing

/// Objects written while their content is produced (a scoring run's scores): in parts as they fill, whole or not at
/// all, never over an object that must be kept. The moto S3 server.
@Suite("ObjectWriteStream uploads as bytes arrive, appears whole, and leaves nothing behind on failure")
struct ObjectWriteStreamTests {
    /// Runs `body` on a thread of its own: the stream's calls block and must stay off the cooperative pool.
    static func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Writes the file at `path` into `stream` in 1 MiB pieces, as the scores writer does.
    static func copy(_ path: String, into stream: ObjectWriteStream) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var offset = 0
        repeat {
            let end = min(offset + (1 << 20), data.count)
            try data[offset..<end].withUnsafeBytes { try stream.write($0) }
            offset = end
        } while offset < data.count
    }

    static func store(_ bucket: String) throws -> S3Store {
        try S3Fixture.store(bucket) {
            $0.partSize = 5 << 20
            $0.concurrency = 2
        }
    }

    @Test("content of any size arrives intact: one PUT below a part, parts above", arguments: [1000, 12 << 20])
    func intact(size: Int) async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try Self.store(bucket)
        let source = try await folder.file("source", size: size)
        let stream = try await store.openUpload(key: "out/scores.csv", replacing: false)
        let info = try await Self.onThread {
            try Self.copy(source, into: stream)
            return try stream.finish()
        }
        #expect(info.size == Int64(size))
        let copy = folder.path + "/copy"
        try await store.get(key: "out/scores.csv", to: copy, progress: nil)
        #expect(try await S3Fixture.sha256(copy) == (try await S3Fixture.sha256(source)))
        let head = try #require(try await store.head(key: "out/scores.csv"))
        // Streamed parts cannot record the whole content's sha256 up front; a single PUT does.
        #expect(size < 5 << 20 ? head.sha256 == info.sha256 && head.sha256 != nil : head.etag?.hasSuffix("-3") == true, "\(head)")
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)
    }

    @Test("an object there at the start is refused at once; one written meanwhile is kept", arguments: [1000, 12 << 20])
    func neverReplaces(size: Int) async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try Self.store(bucket)
        let source = try await folder.file("source", size: size)
        let theirs = try await folder.file("theirs", size: 100)
        try await store.put(file: theirs, key: "existing", progress: nil)
        let refused = await #expect(throws: ObjectStoreError.self) { try await store.openUpload(key: "existing", replacing: false) }
        #expect(refused?.code == .alreadyExists)

        let stream = try await store.openUpload(key: "raced", replacing: false)
        try await Self.onThread { try Self.copy(source, into: stream) }
        try await store.put(file: theirs, key: "raced", progress: nil)
        let raced = await #expect(throws: ObjectStoreError.self) { try await Self.onThread { try stream.finish() } }
        #expect(raced?.code == .alreadyExists, "\(String(describing: raced))")
        #expect(try await store.head(key: "raced")?.sha256 == (try await S3Fixture.sha256(theirs)), "their object is kept")
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)

        let replacing = try await store.openUpload(key: "raced", replacing: true)
        try await Self.onThread {
            try Self.copy(source, into: replacing)
            try replacing.finish()
        }
        #expect(try await store.head(key: "raced")?.size == Int64(size))
    }

    @Test("aborted after parts went up: no object, no parts left")
    func abortLeavesNothing() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try Self.store(bucket)
        let source = try await folder.file("source", size: 12 << 20)
        let stream = try await store.openUpload(key: "out/scores.csv", replacing: true)
        try await Self.onThread {
            try Self.copy(source, into: stream)
            stream.abort()
        }
        #expect(try await store.head(key: "out/scores.csv") == nil)
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)
        await #expect(throws: CancellationError.self) {
            try await Self.onThread { try Data([1]).withUnsafeBytes { try stream.write($0) } }
        }
    }
}

import Foundation
import ObjectStore
import Processes
import Synchronization
import TestSupport
import Testing

@Suite("S3Store against the S3 test server")
struct S3StoreTests {
    @Test(
        "round trips keep every byte: single PUT below the threshold, multipart above, the sha256 recorded and checked",
        arguments: [0, 1, 5 << 20 - 1, 5 << 20 + 1]
    )
    func roundTrip(size: Int) async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try S3Fixture.store(bucket, prefix: "round") {
            $0.multipartThreshold = 5 << 20
            $0.partSize = 5 << 20
        }
        let source = try await folder.file("source", size: size)
        let expected = try await S3Fixture.sha256(source)
        let key = "objects/\(size).bin"

        let put = try await store.put(file: source, key: key, progress: nil)
        #expect(put.sha256 == expected)
        #expect(put.size == Int64(size))
        let head = try #require(try await store.head(key: key))
        #expect(head.size == Int64(size))
        #expect(head.sha256 == expected)
        // A multipart object's ETag ends in -PARTS.
        #expect(head.etag?.hasSuffix("-2") == (size == 5 << 20 + 1))

        let copy = folder.path + "/copy"
        let got = try await store.get(key: key, to: copy, progress: nil)
        #expect(got.sha256 == expected)
        #expect(got.size == Int64(size))
        #expect(try await S3Fixture.sha256(copy) == expected)

        // The prefix is a folder, and the metadata is what other clients see.
        let metadata = try await S3Fixture.aws([
            "s3api", "head-object", "--bucket", bucket, "--key", "round/" + key, "--query", "Metadata.sha256", "--output", "text",
        ])
        #expect(metadata.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
    }

    @Test("a 100 MiB file goes up in 16 MiB parts with the default settings, reporting progress up to its size")
    func largeMultipart() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try S3Fixture.store(bucket)
        let size = 100 << 20
        let source = try await folder.file("large", size: size)
        let expected = try await S3Fixture.sha256(source)
        let seen = Mutex<(last: Int64, total: Int64?)>((0, nil))
        let put = try await store.put(file: source, key: "large.bin", progress: { done, total in seen.withLock { $0 = (done, total) } })
        #expect(put.sha256 == expected)
        #expect(put.etag?.hasSuffix("-7") == true)
        #expect(seen.withLock { $0.last } == Int64(size))
        #expect(seen.withLock { $0.total } == Int64(size))
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)

        let downloaded = Mutex<Int64>(0)
        let copy = folder.path + "/copy"
        let got = try await store.get(key: "large.bin", to: copy, progress: { done, _ in downloaded.withLock { $0 = done } })
        #expect(got.sha256 == expected)
        #expect(downloaded.withLock { $0 } == Int64(size))
        #expect(try await S3Fixture.sha256(copy) == expected)
    }

    @Test("head, list and delete see keys relative to the prefix; deleting an absent key is no error")
    func headListDelete() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try S3Fixture.store(bucket, prefix: "nomaly/")
        let other = try S3Fixture.store(bucket, prefix: "elsewhere/")
        let file = try await folder.file("small", size: 100)
        let keys = ["models/b.tar.gz", "models/a.tar.gz", "backups/2026 11/x:y+z (1).dump", "models/ä/ü.bin"]
        for key in keys { try await store.put(file: file, key: key, progress: nil) }
        try await other.put(file: file, key: "models/c.tar.gz", progress: nil)

        #expect(try await store.list(prefix: "").map(\.key) == keys.sorted())
        #expect(try await store.list(prefix: "models/").map(\.key) == ["models/a.tar.gz", "models/b.tar.gz", "models/ä/ü.bin"])
        #expect(try await store.list(prefix: "backups/2026 11/").map(\.size) == [100])
        #expect(try await store.list(prefix: "nothing/").isEmpty)
        let head = try #require(try await store.head(key: "backups/2026 11/x:y+z (1).dump"))
        #expect(head.size == 100)
        #expect(head.lastModified != nil)

        try await store.delete(key: "models/a.tar.gz")
        try await store.delete(key: "models/a.tar.gz")
        #expect(try await store.head(key: "models/a.tar.gz") == nil)
        #expect(try await store.list(prefix: "models/").map(\.key) == ["models/b.tar.gz", "models/ä/ü.bin"])
        #expect(try await other.list(prefix: "").map(\.key) == ["models/c.tar.gz"])
    }

    @Test("a listing of more than 1000 keys follows continuation tokens")
    func pagination() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try S3Fixture.store(bucket, prefix: "many")
        let file = try await folder.file("tiny", size: 1)
        let keys = (0..<1105).map { String(format: "dir/%05d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in stride(from: 0, to: keys.count, by: 139) {
                group.addTask {
                    for key in keys[batch..<min(batch + 139, keys.count)] { try await store.put(file: file, key: key, progress: nil) }
                }
            }
            try await group.waitForAll()
        }
        try await store.put(file: file, key: "dirt", progress: nil)
        let listed = try await store.list(prefix: "dir/")
        #expect(listed.count == 1105)
        #expect(listed.map(\.key) == keys)
        #expect(try await store.list(prefix: "").count == 1106)
    }

    /// moto's server (werkzeug) closes every connection, so connection reuse is observed against Python's HTTP/1.1
    /// file server instead: a HEAD or GET of `/bucket/key` is a plain file request there.
    @Test("consecutive requests reuse one connection: curl handles, and their connections, are kept between requests")
    func keepAlive() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path + "/www/bucket", withIntermediateDirectories: true)
        let file = try await folder.file("www/bucket/object", size: 1000)
        let port = HTTPProbe.freePort()
        let server = try ChildProcess.spawn([
            "python3", "-m", "http.server", "--bind", "127.0.0.1", "--protocol", "HTTP/1.1", "--directory", folder.path + "/www", "\(port)",
        ])
        defer {
            server.signal(SIGTERM)
            Thread.detachNewThread { _ = server.collect() }
        }
        let proxy = try TCPProxy(targetPort: port)
        defer { proxy.stop() }
        #expect(await HTTPProbe.waitUntilOK("http://127.0.0.1:\(port)/bucket/object", timeout: .seconds(20)) != nil)
        let store = S3Store(
            configuration: S3Configuration(endpoint: URL(string: proxy.endpoint)),
            bucket: "bucket",
            logger: TestEnvironment.logger
        )
        for _ in 0..<10 { #expect(try await store.head(key: "object")?.size == 1000) }
        let copy = try await store.get(key: "object", to: folder.path + "/copy", progress: nil)
        #expect(copy.sha256 == (try await S3Fixture.sha256(file)))
        #expect(proxy.acceptedConnections == 1, "11 requests, one after the other")
    }

    @Test("keys that are not relative paths are refused before any request")
    func invalidKeys() async throws {
        let store = try S3Fixture.store("any-bucket")
        for key in ["", "/absolute", "a/../b", "a//b", "./a", "trailing/"] {
            let error = await #expect(throws: ObjectStoreError.self) { try await store.head(key: key) }
            #expect(error?.code == .invalidLocation, "\(key)")
        }
    }
}

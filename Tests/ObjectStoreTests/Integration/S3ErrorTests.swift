import Foundation
import ObjectStore
import TestSupport
import Testing

@Suite("S3Store errors carry S3's code and leave nothing behind")
struct S3ErrorTests {
    @Test("a request signed with the wrong secret fails with accessDenied and SignatureDoesNotMatch")
    func wrongSecret() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let file = try await folder.file("file", size: 10)
        try await S3Fixture.store(bucket).put(file: file, key: "present", progress: nil)
        let store = try S3Fixture.store(bucket) { $0.secretAccessKey = "not-the-secret" }

        let put = await #expect(throws: ObjectStoreError.self) { try await store.put(file: file, key: "k", progress: nil) }
        let list = await #expect(throws: ObjectStoreError.self) { try await store.list(prefix: "") }
        let get = await #expect(throws: ObjectStoreError.self) { try await store.get(key: "present", to: folder.path + "/copy", progress: nil) }
        for error in [put, list, get] {
            #expect(error?.code == .accessDenied)
            #expect(error?.s3Code == "SignatureDoesNotMatch")
            #expect(error?.httpStatus == 403)
            #expect(error?.description.contains("AWS_SECRET_ACCESS_KEY") == true)
        }
        let head = await #expect(throws: ObjectStoreError.self) { try await store.head(key: "present") }
        #expect(head?.code == .accessDenied)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/copy"))
        #expect(try await S3Fixture.store(bucket).list(prefix: "").map(\.key) == ["present"])
    }

    @Test("an unknown access key fails with accessDenied and InvalidAccessKeyId")
    func unknownKey() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let store = try S3Fixture.store(bucket) { $0.accessKeyID = "AKIANOSUCHKEY0000000" }
        let error = await #expect(throws: ObjectStoreError.self) { try await store.list(prefix: "") }
        #expect(error?.code == .accessDenied)
        #expect(error?.s3Code == "InvalidAccessKeyId")
    }

    @Test("a missing key is notFound with NoSuchKey; the download leaves no file, not even a temporary one")
    func missingKey() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try S3Fixture.store(bucket)
        let error = await #expect(throws: ObjectStoreError.self) { try await store.get(key: "absent.bin", to: folder.path + "/copy", progress: nil) }
        #expect(error?.code == .notFound)
        #expect(error?.s3Code == "NoSuchKey")
        #expect(error?.httpStatus == 404)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(try await store.head(key: "absent.bin") == nil)
    }

    @Test("a missing bucket is noSuchBucket, with NoSuchBucket wherever S3 sends a body")
    func missingBucket() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let file = try await folder.file("file", size: 10)
        let store = try S3Fixture.store(TestEnvironment.uniqueName("absent").replacingOccurrences(of: "_", with: "-"))
        let errors = [
            await #expect(throws: ObjectStoreError.self) { try await store.put(file: file, key: "k", progress: nil) },
            await #expect(throws: ObjectStoreError.self) { try await store.get(key: "k", to: folder.path + "/copy", progress: nil) },
            await #expect(throws: ObjectStoreError.self) { try await store.list(prefix: "") },
            await #expect(throws: ObjectStoreError.self) { try await store.delete(key: "k") },
        ]
        for error in errors {
            #expect(error?.code == .noSuchBucket)
            #expect(error?.s3Code == "NoSuchBucket")
            #expect(error?.httpStatus == 404)
        }
        // HEAD answers carry no body: the store asks about the bucket to tell the two apart.
        let head = await #expect(throws: ObjectStoreError.self) { try await store.head(key: "k") }
        #expect(head?.code == .noSuchBucket)
    }

    @Test("content that does not match its recorded sha256 is refused and never appears at the destination")
    func integrity() async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let file = try await folder.file("file", size: 1000)
        let wrong = String(repeating: "0", count: 64)
        try await S3Fixture.aws(["s3", "cp", file, "s3://\(bucket)/tampered", "--metadata", "sha256=\(wrong)"])
        let destination = folder.path + "/download/copy"
        let error = await #expect(throws: ObjectStoreError.self) {
            try await S3Fixture.store(bucket).get(key: "tampered", to: destination, progress: nil)
        }
        #expect(error?.code == .integrity)
        #expect(error?.message.contains(wrong) == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/download").isEmpty)
    }

    @Test("an endpoint nobody listens on fails with transport after the configured attempts")
    func unreachable() async throws {
        let started = ContinuousClock.now
        var configuration = try S3Fixture.configuration()
        configuration.endpoint = URL(string: "http://127.0.0.1:\(HTTPProbe.freePort())")
        configuration.maxAttempts = 3
        configuration.retryBaseDelay = .milliseconds(50)
        let store = S3Store(configuration: configuration, bucket: "bucket", logger: TestEnvironment.logger)
        let error = await #expect(throws: ObjectStoreError.self) { try await store.list(prefix: "") }
        #expect(error?.code == .transport)
        #expect(error?.message.contains("curl error 7") == true)
        // Two waits of 25–50 ms and 50–100 ms lie between the three attempts.
        #expect(ContinuousClock.now - started >= .milliseconds(75))
    }
}

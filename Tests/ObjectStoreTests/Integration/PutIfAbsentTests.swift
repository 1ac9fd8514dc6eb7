import Foundation
import ObjectStore
import Synchronization
import TestSupport
import Testing

/// `putIfAbsent` keeps whatever is already stored, also an object that appears while the upload runs: the case the
/// HEAD before the upload cannot see, which the file store closes with link(2) and S3 with `If-None-Match: *`.
@Suite("putIfAbsent never replaces an object, even one written during the upload")
struct PutIfAbsentTests {
    @Test("FileStore: an existing file is kept and reported; an absent one is written; no temporary file stays")
    func fileStore() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = FileStore(root: folder.path + "/root")
        let source = try await folder.file("source", size: 1000)
        try FileManager.default.createDirectory(atPath: store.root, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: URL(fileURLWithPath: store.root + "/kept.csv"))

        let error = await #expect(throws: ObjectStoreError.self) { try await store.putIfAbsent(file: source, key: "kept.csv", progress: nil) }
        #expect(error?.code == .alreadyExists)
        #expect(error?.message == "\(store.root)/kept.csv already exists and is not replaced")
        #expect(try String(contentsOfFile: store.root + "/kept.csv", encoding: .utf8) == "precious")

        let written = try await store.putIfAbsent(file: source, key: "new/scores.csv", progress: nil)
        #expect(written.size == 1000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root).sorted() == ["kept.csv", "new"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/new") == ["scores.csv"])
    }

    @Test("S3: an existing object is refused before any byte is sent, and one written mid-upload is kept", arguments: [1 << 20, 12 << 20])
    func s3(size: Int) async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = try S3Fixture.store(bucket) {
            $0.multipartThreshold = 5 << 20
            $0.partSize = 5 << 20
        }
        let other = try S3Fixture.store(bucket)
        let source = try await folder.file("source", size: size)
        let theirs = try await folder.file("theirs", size: 100)
        let expected = try await S3Fixture.sha256(theirs)

        try await other.put(file: theirs, key: "existing", progress: nil)
        let sent = Mutex<Int64>(0)
        let refused = await #expect(throws: ObjectStoreError.self) {
            try await store.putIfAbsent(file: source, key: "existing") { done, _ in sent.withLock { $0 = done } }
        }
        #expect(refused?.code == .alreadyExists)
        #expect(sent.withLock { $0 } == 0, "the HEAD refused it before the upload")

        // Another writer stores the key while our body is on its way: only the conditional write can notice.
        let raced = Mutex(false)
        let race = await #expect(throws: ObjectStoreError.self) {
            try await store.putIfAbsent(file: source, key: "raced") { _, _ in
                guard
                    raced.withLock({ done in
                        defer { done = true }
                        return !done
                    })
                else { return }
                let written = DispatchSemaphore(value: 0)
                Task {
                    _ = try? await other.put(file: theirs, key: "raced", progress: nil)
                    written.signal()
                }
                written.wait()
            }
        }
        #expect(race?.code == .alreadyExists, "\(String(describing: race))")
        #expect(try await other.head(key: "raced")?.sha256 == expected, "the other writer's object is kept")
        #expect(try await S3Fixture.incompleteUploads(bucket).isEmpty)

        let written = try await store.putIfAbsent(file: source, key: "fresh", progress: nil)
        #expect(written.sha256 == (try await S3Fixture.sha256(source)))
    }
}

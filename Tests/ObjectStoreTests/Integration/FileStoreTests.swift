import Foundation
import ObjectStore
import Testing

@Suite("FileStore keeps objects as files below a root folder")
struct FileStoreTests {
    @Test("put, head, get, list and delete; keys are paths below the root")
    func basics() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = FileStore(root: folder.path + "/store/")
        #expect(store.root == folder.path + "/store")
        let source = try await folder.file("source", size: 3000)
        let expected = try await S3Fixture.sha256(source)

        let put = try await store.put(file: source, key: "models/ab/model.tar.gz", progress: nil)
        #expect(put.size == 3000)
        #expect(put.sha256 == expected)
        #expect(try await S3Fixture.sha256(folder.path + "/store/models/ab/model.tar.gz") == expected)
        try await store.put(file: source, key: "backups/x.dump", progress: nil)

        let head = try #require(try await store.head(key: "models/ab/model.tar.gz"))
        #expect(head.size == 3000)
        #expect(head.lastModified != nil)
        #expect(try await store.head(key: "models/absent") == nil)
        #expect(try await store.head(key: "models/ab") == nil, "a folder is not an object")

        let copy = folder.path + "/out/copy.tar.gz"
        let got = try await store.get(key: "models/ab/model.tar.gz", to: copy, progress: nil)
        #expect(got.sha256 == expected)
        #expect(try await S3Fixture.sha256(copy) == expected)

        #expect(try await store.list(prefix: "").map(\.key) == ["backups/x.dump", "models/ab/model.tar.gz"])
        #expect(try await store.list(prefix: "models/").map(\.key) == ["models/ab/model.tar.gz"])
        try await store.delete(key: "backups/x.dump")
        try await store.delete(key: "backups/x.dump")
        #expect(try await store.list(prefix: "").map(\.key) == ["models/ab/model.tar.gz"])
    }

    @Test("a put replaces the whole file and leaves no temporary file; listings skip temporary files")
    func atomicReplace() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = FileStore(root: folder.path + "/store")
        let first = try await folder.file("first", size: 5000)
        let second = try await folder.file("second", size: 100)
        try await store.put(file: first, key: "object", progress: nil)
        try await store.put(file: second, key: "object", progress: nil)
        #expect(try await S3Fixture.sha256(folder.path + "/store/object") == (try await S3Fixture.sha256(second)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/store") == ["object"])

        // What a crash in the middle of a put leaves behind is not an object.
        #expect(FileManager.default.createFile(atPath: folder.path + "/store/.object.nomaly-tmp-1234abcd", contents: Data([1, 2])))
        #expect(try await store.list(prefix: "").map(\.key) == ["object"])
    }

    @Test("failures leave the destination untouched: a missing object, a missing source")
    func failuresLeaveNothing() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = FileStore(root: folder.path + "/store")
        let existing = try await folder.file("existing", size: 10)
        let before = try await S3Fixture.sha256(existing)

        let missing = await #expect(throws: ObjectStoreError.self) { try await store.get(key: "absent", to: existing, progress: nil) }
        #expect(missing?.code == .notFound)
        #expect(try await S3Fixture.sha256(existing) == before)

        let noSource = await #expect(throws: ObjectStoreError.self) {
            try await store.put(file: folder.path + "/no-such-file", key: "object", progress: nil)
        }
        #expect(noSource?.code == .notFound)
        #expect(try await store.list(prefix: "").isEmpty)
    }

    @Test("keys that could leave the root are refused", arguments: ["../outside", "a/../../b", "/etc/passwd", "a//b", "", "./a", "a/."])
    func escapingKeys(key: String) async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let store = FileStore(root: folder.path + "/store")
        let source = try await folder.file("source", size: 10)
        let put = await #expect(throws: ObjectStoreError.self) { try await store.put(file: source, key: key, progress: nil) }
        #expect(put?.code == .invalidLocation)
        let get = await #expect(throws: ObjectStoreError.self) { try await store.get(key: key, to: folder.path + "/copy", progress: nil) }
        #expect(get?.code == .invalidLocation)
        await #expect(throws: ObjectStoreError.self) { try await store.delete(key: key) }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/outside"))
    }
}

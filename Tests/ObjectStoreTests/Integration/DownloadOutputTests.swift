import Foundation
import ObjectStore
import TestSupport
import Testing

/// `nomaly s3 cp s3://… PATH` and `nomaly models download` (both stores' `get`) to a path that is not a regular file:
/// a device or FIFO is written in place and stays what it was; a folder is refused.
@Suite("Downloads into devices, FIFOs and folders")
struct DownloadOutputTests {
    /// Each store with one object `k/object.bin` of `size` bytes, and its sha256.
    static func stores(_ folder: ScratchFolder, size: Int) async throws -> (stores: [(String, any ObjectStore)], sha256: String) {
        let source = try await folder.file("source", size: size)
        let files = FileStore(root: folder.path + "/store")
        try await files.put(file: source, key: "k/object.bin", progress: nil)
        let s3 = try S3Fixture.store(try await S3Fixture.makeBucket(), prefix: "downloads")
        try await s3.put(file: source, key: "k/object.bin", progress: nil)
        return ([("FileStore", files), ("S3Store", s3)], try await S3Fixture.sha256(source))
    }

    @Test("a device node is written in place and stays the device", .enabled(if: SpecialFiles.deviceTestsRun))
    func device() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let (stores, expected) = try await Self.stores(folder, size: 300_000)
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: false)
        let null = folder.path + "/out/null"
        try SpecialFiles.makeNullDevice(at: null)
        for (name, store) in stores {
            let info = try await store.get(key: "k/object.bin", to: null, progress: nil)
            #expect(info.sha256 == expected, "\(name)")
            #expect(SpecialFiles.kind(of: null) == "character device 1:3", "\(name)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out") == ["null"], "\(name)")
        }
    }

    @Test("a FIFO's reader gets every byte and the FIFO stays")
    func fifo() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let (stores, expected) = try await Self.stores(folder, size: 300_000)
        for (name, store) in stores {
            let reader = try FIFOReader(path: folder.path + "/fifo-\(name)")
            let info = try await store.get(key: "k/object.bin", to: reader.path, progress: nil)
            let received = folder.path + "/received-\(name)"
            try reader.finish().write(to: URL(fileURLWithPath: received))
            #expect(info.sha256 == expected, "\(name)")
            #expect(try await S3Fixture.sha256(received) == expected, "\(name)")
            #expect(SpecialFiles.kind(of: reader.path) == "FIFO", "\(name)")
        }
    }

    @Test("a folder is refused, naming it, and nothing lands in it")
    func folderRefused() async throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let (stores, _) = try await Self.stores(folder, size: 1000)
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: false)
        for (name, store) in stores {
            let error = try await #require(throws: ObjectStoreError.self, "\(name)") {
                try await store.get(key: "k/object.bin", to: folder.path + "/out", progress: nil)
            }
            #expect(error.message == "cannot write \(folder.path)/out: it is a folder; name a file inside it", "\(name)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out").isEmpty, "\(name)")
        }
    }
}

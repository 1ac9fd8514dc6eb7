import Archive
import Foundation
import Testing

/// GNU tar's `--sparse` stores only a file's data blocks and a map of its holes: a 4 GiB file of holes packs into a
/// few kilobytes. The limits must count the bytes such an entry makes, not the bytes it carries.
@Suite("Sparse entries count at their full size")
struct SparseEntryTests {
    /// A `.tar.gz` written by GNU tar holding `name`: `size` bytes, all hole but four bytes at `dataOffset`.
    func sparseArchive(_ scratch: Scratch, name: String, size: String, dataOffset: Int64) throws -> String {
        let source = scratch.path + "/src"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try run(["truncate", "-s", size, source + "/" + name])
        let handle = try #require(FileHandle(forWritingAtPath: source + "/" + name))
        try handle.seek(toOffset: UInt64(dataOffset))
        try handle.write(contentsOf: Data("NMLY".utf8))
        try handle.close()
        let archive = scratch.path + "/sparse.tar.gz"
        try run(["tar", "--sparse", "-czf", archive, "-C", source, name])
        try FileManager.default.removeItem(atPath: source)
        return archive
    }

    func compressedSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    @Test("a 4 GiB sparse file in a few-KB tarball is refused as a bomb, and leaves nothing", arguments: [Int64(0), Int64(4 << 30) - 4])
    func sparseBomb(dataOffset: Int64) async throws {
        let scratch = try Scratch()
        let archive = try sparseArchive(scratch, name: "model.bin", size: "4G", dataOffset: dataOffset)
        #expect(try compressedSize(archive) < 64 << 10)
        let error = await #expect(throws: ArchiveError.self) { try await TarGz.extract(archive, into: scratch.path + "/out") }
        #expect(error?.code == .limitExceeded)
        #expect(error?.entry == "model.bin")
        #expect(error?.message.contains("decompression bomb") == true, "\(String(describing: error))")
        #expect(try scratch.names() == ["sparse.tar.gz"])
    }

    @Test("the holes count toward the total size limit, also when the ratio check is relaxed")
    func totalLimit() async throws {
        let scratch = try Scratch()
        let archive = try sparseArchive(scratch, name: "model.bin", size: "2G", dataOffset: 0)
        var limits = ArchiveLimits()
        limits.maxCompressionRatio = 1e12
        limits.maxTotalBytes = 1 << 30
        let error = await #expect(throws: ArchiveError.self) { try await TarGz.extract(archive, into: scratch.path + "/out", limits: limits) }
        #expect(error?.message == "the archive expands to more than 1073741824 bytes (at entry 'model.bin')")
        #expect(try scratch.names() == ["sparse.tar.gz"])
    }

    @Test("a sparse entry within every limit still extracts to its full size with its data in place")
    func withinLimits() async throws {
        let scratch = try Scratch()
        let archive = try sparseArchive(scratch, name: "holes.bin", size: "1M", dataOffset: 4096)
        let summary = try await TarGz.extract(archive, into: scratch.path + "/out")
        #expect(summary.uncompressedBytes == 1 << 20)
        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/out/holes.bin"))
        #expect(data.count == 1 << 20)
        #expect(data[4096..<4100] == Data("NMLY".utf8))
        #expect(data[0..<4096].allSatisfy { $0 == 0 })
    }
}

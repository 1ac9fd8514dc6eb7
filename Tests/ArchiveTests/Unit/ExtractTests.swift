import Archive
import Foundation
import Testing

@Suite("Extracting archives safely")
struct ExtractTests {
    @Test("an archive written by GNU tar, with links inside it, extracts identically; the sha256 is sha256sum's")
    func gnuTarArchive() async throws {
        let scratch = try Scratch()
        try scratch.file("src/model/model.json", "{}")
        try scratch.data("src/model/weights.bin", Data(repeating: 7, count: 200_000))
        symlink("model/model.json", scratch.path + "/src/current.json")
        link(scratch.path + "/src/model/weights.bin", scratch.path + "/src/model/weights-copy.bin")
        let archive = scratch.path + "/gnu.tar.gz"
        try run(["tar", "-czf", archive, "-C", scratch.path + "/src", "."])
        let summary = try await TarGz.extract(archive, into: scratch.path + "/out")
        try run(["diff", "-r", "--no-dereference", scratch.path + "/src", scratch.path + "/out"])
        #expect(summary.sha256 == (try sha256sum(archive)))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path + "/out/current.json") == "model/model.json")
        #expect(try scratch.names() == ["gnu.tar.gz", "out", "src"])
    }

    @Test("links that stay inside are kept: a folder alias, a hardlink, a relative sibling link")
    func safeLinks() async throws {
        let scratch = try Scratch()
        try hostileArchive("safe-links", at: scratch.path + "/a.tar.gz", marker: scratch.path + "/marker")
        try await TarGz.extract(scratch.path + "/a.tar.gz", into: scratch.path + "/out")
        #expect(try String(contentsOfFile: scratch.path + "/out/current/model.bin", encoding: .utf8) == "weights")
        #expect(try String(contentsOfFile: scratch.path + "/out/v1/sibling", encoding: .utf8) == "weights")
        #expect(try String(contentsOfFile: scratch.path + "/out/v1/again.bin", encoding: .utf8) == "weights")
    }

    @Test(
        "hostile archives are refused, nothing is written outside, nothing is left behind",
        arguments: [
            ("absolute", ArchiveError.Code.unsafeEntry, "absolute path"),
            ("traversal", .unsafeEntry, "'..' component"),
            ("symlink-escape", .unsafeEntry, "points outside"),
            ("symlink-relative-escape", .unsafeEntry, "points outside"),
            ("symlink-chain-escape", .unsafeEntry, "resolves outside"),
            ("hardlink-escape", .unsafeEntry, "absolute path"),
            ("hardlink-traversal", .unsafeEntry, "'..' component"),
            ("through-symlink", .unsafeEntry, "points outside"),
            ("through-inner-symlink", .unsafeEntry, "passes through the symlink 'alias'"),
            ("device", .unsupportedEntry, "device, FIFO or socket"),
            ("fifo", .unsupportedEntry, "device, FIFO or socket"),
            ("duplicate", .unsafeEntry, "appears twice"),
        ]
    )
    func hostile(kind: String, code: ArchiveError.Code, message: String) async throws {
        let scratch = try Scratch()
        let marker = scratch.path + "/marker"
        try FileManager.default.createDirectory(atPath: marker, withIntermediateDirectories: true)
        let archive = scratch.path + "/\(kind).tar.gz"
        try hostileArchive(kind, at: archive, marker: marker)
        let error = await #expect(throws: ArchiveError.self) { try await TarGz.extract(archive, into: scratch.path + "/out") }
        #expect(error?.code == code)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        let left = try scratch.names()
        #expect(left == ["\(kind).tar.gz", "marker"].sorted(), "left behind: \(left)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: marker).isEmpty, "something was written outside")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/escaped.txt"))
    }

    @Test("a gigabyte of zeros is stopped early as a decompression bomb and leaves nothing")
    func bomb() async throws {
        let scratch = try Scratch()
        let source = scratch.path + "/src"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try run(["truncate", "-s", "1G", source + "/zeros.bin"])
        var fast = ArchiveCreateOptions()
        fast.compressionLevel = 1
        let bomb = try await TarGz.create(directory: source, output: scratch.path + "/bomb.tar.gz", options: fast)
        #expect(bomb.compressedBytes < 10 << 20)
        try FileManager.default.removeItem(atPath: source)
        let error = await #expect(throws: ArchiveError.self) { try await TarGz.extract(scratch.path + "/bomb.tar.gz", into: scratch.path + "/out") }
        #expect(error?.code == .limitExceeded)
        #expect(error?.entry == "zeros.bin")
        #expect(error?.message.contains("decompression bomb") == true)
        #expect(try scratch.names() == ["bomb.tar.gz"])
    }

    @Test("a million tiny entries hit the entry limit, naming the entry")
    func entryFlood() async throws {
        let scratch = try Scratch()
        try hostileArchive("many-entries", at: scratch.path + "/many.tar.gz", marker: scratch.path)
        let error = await #expect(throws: ArchiveError.self) { try await TarGz.extract(scratch.path + "/many.tar.gz", into: scratch.path + "/out") }
        #expect(error?.code == .limitExceeded)
        #expect(error?.message == "the archive has more than 100000 entries (at 'e/100000')")
        #expect(try scratch.names() == ["many.tar.gz"])
    }

    @Test("entry-size and total-size limits name the entry")
    func sizeLimits() async throws {
        let scratch = try Scratch()
        try scratch.data("src/a.bin", Data(repeating: 1, count: 40_000))
        try scratch.data("src/b.bin", Data(repeating: 2, count: 40_000))
        try await TarGz.create(directory: scratch.path + "/src", output: scratch.path + "/a.tar.gz")
        var limits = ArchiveLimits()
        limits.maxEntryBytes = 30_000
        let large = await #expect(throws: ArchiveError.self) {
            try await TarGz.extract(scratch.path + "/a.tar.gz", into: scratch.path + "/o1", limits: limits)
        }
        #expect(large?.message == "entry 'a.bin' is larger than 30000 bytes")
        limits = ArchiveLimits()
        limits.maxTotalBytes = 60_000
        let total = await #expect(throws: ArchiveError.self) {
            try await TarGz.extract(scratch.path + "/a.tar.gz", into: scratch.path + "/o2", limits: limits)
        }
        #expect(total?.entry == "b.bin")
        #expect(try scratch.names() == ["a.tar.gz", "src"])
    }

    @Test("damaged or foreign files are refused as corrupt and leave nothing")
    func corrupt() async throws {
        let scratch = try Scratch()
        try scratch.data("src/a.bin", Data((0..<500_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }))
        try await TarGz.create(directory: scratch.path + "/src", output: scratch.path + "/good.tar.gz")
        let good = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/good.tar.gz"))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: scratch.path + "/truncated.tar.gz"))
        try scratch.file("text.tar.gz", "this is not an archive")
        try run(["tar", "-cf", scratch.path + "/plain.tar", "-C", scratch.path + "/src", "."])
        for name in ["truncated.tar.gz", "text.tar.gz", "plain.tar"] {
            let error = await #expect(throws: ArchiveError.self) { try await TarGz.extract(scratch.path + "/" + name, into: scratch.path + "/out") }
            #expect(error?.code == .corrupt, "\(name)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out"))
        }
        #expect(try scratch.names() == ["good.tar.gz", "plain.tar", "src", "text.tar.gz", "truncated.tar.gz"])
    }

    @Test("the destination must not exist or be an empty folder")
    func destination() async throws {
        let scratch = try Scratch()
        try scratch.file("src/a.txt", "a")
        try await TarGz.create(directory: scratch.path + "/src", output: scratch.path + "/a.tar.gz")
        try FileManager.default.createDirectory(atPath: scratch.path + "/empty", withIntermediateDirectories: true)
        try await TarGz.extract(scratch.path + "/a.tar.gz", into: scratch.path + "/empty")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/empty/a.txt"))
        let error = await #expect(throws: ArchiveError.self) { try await TarGz.extract(scratch.path + "/a.tar.gz", into: scratch.path + "/src") }
        #expect(error?.code == .destinationExists)
    }
}

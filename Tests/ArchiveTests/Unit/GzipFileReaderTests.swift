import Archive
import Foundation
import Testing

@Suite("Reading gzip files as a byte stream")
struct GzipFileReaderTests {
    func readAll(_ reader: GzipFileReader) throws -> Data {
        var data = Data()
        while true {
            let block = try reader.next()
            if block.isEmpty { break }
            data.append(contentsOf: block)
        }
        return data
    }

    /// 3 MB of varied text, more than the reader's 1 MiB blocks.
    static let text = Data((0..<200_000).map { "line \($0) \($0 * 7 % 1_013)\n" }.joined().utf8)

    @Test("a file compressed by gzip reads back byte for byte")
    func roundTrip() throws {
        let scratch = try Scratch()
        try scratch.data("data.txt", Self.text)
        try run(["gzip", "-n", scratch.path + "/data.txt"])
        let reader = try GzipFileReader(path: scratch.path + "/data.txt.gz")
        #expect(try readAll(reader) == Self.text)
        #expect(try reader.next().isEmpty)
        #expect(reader.compressedBytesRead == Int64(try Data(contentsOf: URL(fileURLWithPath: reader.path)).count))
    }

    @Test("concatenated members read as the concatenation of their contents")
    func multiMember() throws {
        let scratch = try Scratch()
        try scratch.file("a", "first part, ")
        try scratch.file("b", "second part")
        try run(["gzip", "-n", scratch.path + "/a", scratch.path + "/b"])
        let joined =
            try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/a.gz")) + Data(contentsOf: URL(fileURLWithPath: scratch.path + "/b.gz"))
        try scratch.data("joined.gz", joined)
        #expect(try readAll(GzipFileReader(path: scratch.path + "/joined.gz")) == Data("first part, second part".utf8))
    }

    @Test("damaged, truncated and non-gzip files fail as corrupt; a missing file as io")
    func failures() throws {
        let scratch = try Scratch()
        try scratch.data("data.txt", Self.text)
        try run(["gzip", "-n", scratch.path + "/data.txt"])
        let good = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/data.txt.gz"))
        var damaged = good
        damaged[damaged.count - 6] ^= 0xFF
        try scratch.data("damaged.gz", damaged)
        try scratch.data("truncated.gz", good.prefix(good.count / 2))
        try scratch.file("plain.gz", "not compressed")
        for name in ["damaged.gz", "truncated.gz", "plain.gz"] {
            let error = #expect(throws: ArchiveError.self) { _ = try readAll(GzipFileReader(path: scratch.path + "/" + name)) }
            #expect(error?.code == .corrupt, "\(name)")
        }
        let missing = #expect(throws: ArchiveError.self) { try GzipFileReader(path: scratch.path + "/nothing.gz") }
        #expect(missing?.code == .io)
    }

    @Test("readers dropped halfway release their thread instead of blocking; magic-number check")
    func abandoned() throws {
        let scratch = try Scratch()
        try scratch.data("data.txt", Self.text + Self.text + Self.text)
        try run(["gzip", "-n", "-1", scratch.path + "/data.txt"])
        for _ in 0..<20 {
            let reader = try GzipFileReader(path: scratch.path + "/data.txt.gz")
            #expect(try !reader.next().isEmpty)
        }
        #expect(GzipFileReader.hasGzipMagic([0x1F, 0x8B, 0x08]))
        #expect(!GzipFileReader.hasGzipMagic(Array("id,x\n".utf8)))
        #expect(!GzipFileReader.hasGzipMagic([0x1F]))
    }
}

import Archive
import Foundation
import TestSupport
import Testing

/// `nomaly archive create DIR OUT` (and `fit`, which archives the model through the same code) with an OUT that is not
/// a regular file: a device or FIFO is written in place, never renamed over; a folder is refused.
@Suite("Creating archives into devices, FIFOs and folders")
struct CreateOutputTests {
    func tree(_ scratch: Scratch) throws -> String {
        try scratch.file("tree/model.json", #"{"trees": 100}"#)
        try scratch.data("tree/weights.bin", Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        return scratch.path + "/tree"
    }

    @Test("a device node is written in place and stays the device", .enabled(if: SpecialFiles.deviceTestsRun))
    func device() async throws {
        let scratch = try Scratch()
        let null = scratch.path + "/null"
        try SpecialFiles.makeNullDevice(at: null)
        let summary = try await TarGz.create(directory: try tree(scratch), output: null)
        #expect(summary.entries == 2)
        #expect(SpecialFiles.kind(of: null) == "character device 1:3")
        #expect(try scratch.names() == ["null", "tree"])
    }

    @Test("a FIFO's reader gets the whole archive, whose sha256 is the one reported, and the FIFO stays")
    func fifo() async throws {
        let scratch = try Scratch()
        let reader = try FIFOReader(path: scratch.path + "/archive")
        var options = ArchiveCreateOptions()
        options.blockSize = 64 * 1024
        let summary = try await TarGz.create(directory: try tree(scratch), output: reader.path, options: options)
        let received = reader.finish()
        try scratch.data("received.tar.gz", received)
        #expect(try sha256sum(scratch.path + "/received.tar.gz") == summary.sha256)
        try run(["tar", "-tzf", scratch.path + "/received.tar.gz"])
        #expect(Int64(received.count) == summary.compressedBytes)
        #expect(SpecialFiles.kind(of: reader.path) == "FIFO")
        #expect(try scratch.names() == ["archive", "received.tar.gz", "tree"])
    }

    @Test("a folder is refused naming it, and nothing is written in or beside it")
    func folder() async throws {
        let scratch = try Scratch()
        let source = try tree(scratch)
        try FileManager.default.createDirectory(atPath: scratch.path + "/out", withIntermediateDirectories: false)
        let error = try await #require(throws: ArchiveError.self) { try await TarGz.create(directory: source, output: scratch.path + "/out") }
        #expect(error.code == .io)
        #expect(error.message == "cannot write \(scratch.path)/out: it is a folder; name a file inside it")
        #expect(try scratch.names() == ["out", "tree"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/out").isEmpty)
    }
}

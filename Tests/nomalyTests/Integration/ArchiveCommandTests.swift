import Foundation
import Processes
import TestSupport
import Testing

@Suite("nomaly archive, run as a process")
struct ArchiveCommandTests {
    @Test("create prints the sha256 like sha256sum, list --json shows the entries, extract round-trips")
    func roundTrip() async throws {
        let scratch = "/tmp/" + TestEnvironment.uniqueName("archive-cli")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch + "/src/sub", withIntermediateDirectories: true)
        try "hello".write(toFile: scratch + "/src/sub/a.txt", atomically: true, encoding: .utf8)

        let created = try await NomalyProcess.run(["archive", "create", scratch + "/src", scratch + "/a.tar.gz"])
        #expect(created.status == 0, "\(created.standardError)")
        let expected = try ChildProcess.run(["sha256sum", scratch + "/a.tar.gz"]).standardOutput
        #expect(created.standardOutput == expected)

        let listed = try await NomalyProcess.run(["archive", "list", "--json", scratch + "/a.tar.gz"])
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [String: Any])
        let entries = try #require(listing["entries"] as? [[String: Any]])
        #expect(entries.map { $0["path"] as? String } == ["sub/", "sub/a.txt"])
        #expect(entries.last?["kind"] as? String == "file")
        #expect(entries.last?["size"] as? Int == 5)

        let extracted = try await NomalyProcess.run(["archive", "extract", "--json", scratch + "/a.tar.gz", scratch + "/out"])
        #expect(extracted.status == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(extracted.standardOutput.utf8)) as? [String: Any])
        #expect(summary["entries"] as? Int == 2)
        #expect(summary["uncompressed_bytes"] as? Int == 5)
        #expect(try String(contentsOfFile: scratch + "/out/sub/a.txt", encoding: .utf8) == "hello")
    }

    @Test("a refused archive exits 1 with the reason, and --max-entries is honoured")
    func refusals() async throws {
        let scratch = "/tmp/" + TestEnvironment.uniqueName("archive-cli")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch + "/src", withIntermediateDirectories: true)
        for name in ["a", "b", "c"] { try name.write(toFile: scratch + "/src/" + name, atomically: true, encoding: .utf8) }
        #expect(try await NomalyProcess.run(["archive", "create", scratch + "/src", scratch + "/a.tar.gz"]).status == 0)
        let limited = try await NomalyProcess.run(["archive", "extract", "--max-entries", "2", scratch + "/a.tar.gz", scratch + "/out"])
        #expect(limited.status == 1)
        #expect(limited.standardError.contains("error: the archive has more than 2 entries (at 'c')"))
        #expect(!FileManager.default.fileExists(atPath: scratch + "/out"))
        let missing = try await NomalyProcess.run(["archive", "list", scratch + "/nope.tar.gz"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("cannot open"))
        let badLevel = try await NomalyProcess.run(["archive", "create", "--level", "11", scratch + "/src", scratch + "/b.tar.gz"])
        #expect(badLevel.status == 64)
    }
}

import Foundation
import ObjectStore
import TestSupport
import Testing

/// What `ScoringLocations.inspect` tells the API (409 `output_exists`) and the score kind about a local output: only a
/// regular file is one that would be replaced; a FIFO or device is written in place; a folder is refused.
@Suite("ScoringLocations.inspect: outputs that are not regular files")
struct ScoringOutputKindTests {
    @Test("a regular file exists, a FIFO does not count as one, a folder is refused as an output")
    func kinds() async throws {
        let folder = try TemporaryFolder()
        let locations = ScoringLocations(scoringDirectory: folder.path)
        try folder.file("scores.csv", "old\n")
        #expect(mkfifo(folder.path + "/scores.fifo", 0o644) == 0)
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: false)

        #expect(try await locations.inspect("scores.csv", role: "output", confined: true).exists)
        #expect(try await locations.inspect("scores.fifo", role: "output", confined: true).exists == false)
        #expect(try await locations.inspect("new.csv", role: "output", confined: true).exists == false)
        let error = try await #require(throws: ScoringLocationError.self) { try await locations.inspect("out", role: "output", confined: true) }
        #expect(error.code == .invalidLocation)
        #expect(error.message == "output 'out' is a folder; name a file inside it")
        // The input role keeps telling a folder from a readable file (`readable`), as before.
        #expect(try await locations.inspect("out", role: "input", confined: true).location == folder.path + "/out")
    }

    @Test("a job file's /dev/stdout is kept as named, not resolved to a pipe or a redirected file; an API run's is refused")
    func ownDescriptors() throws {
        let locations = ScoringLocations(scoringDirectory: "/var/lib/nomaly/scoring")
        #expect(try locations.resolve("/dev/stdout", role: "output", confined: false) == "/dev/stdout")
        #expect(throws: ScoringLocationError.self) { try locations.resolve("/dev/stdout", role: "output", confined: true) }
    }
}

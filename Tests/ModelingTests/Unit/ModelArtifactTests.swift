import Archive
import Datasets
import Foundation
import Modeling
import Processes
import TestSupport
import Testing

@Suite("Model artifacts: what loading refuses")
struct ModelArtifactTests {
    /// A valid artifact unpacked into `folder/unpacked`, for tests to tamper with and pack again.
    func unpackedModel(_ folder: TemporaryFolder) async throws -> String {
        let input = try folder.file("train.csv", clusteredCSV(rows: 50))
        let request = TrainingRequest(
            detector: "isolation-forest",
            parameters: .init(trees: 5),
            selection: .init(id: "id", label: "label"),
            nomalyVersion: "test"
        )
        _ = try await ModelTrainer.fit(csv: input, request: request, output: folder.path + "/model.tar.gz")
        _ = try await TarGz.extract(folder.path + "/model.tar.gz", into: folder.path + "/unpacked")
        return folder.path + "/unpacked"
    }

    func expectRefusal(_ archive: String, code: ModelingError.Code, mentioning text: String) async {
        do {
            _ = try await ModelArtifact.load(archive)
            Issue.record("\(archive) was loaded")
        } catch let error as ModelingError {
            #expect(error.code == code, "\(error)")
            #expect(error.message.contains(text), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    func editManifest(_ directory: String, _ edit: (inout [String: Any]) -> Void) throws {
        let path = directory + "/manifest.json"
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    @Test("a model written by a newer nomaly is refused with an upgrade hint")
    func newerFormat() async throws {
        let folder = try TemporaryFolder()
        let unpacked = try await unpackedModel(folder)
        try editManifest(unpacked) { $0["format_version"] = 2 }
        _ = try await TarGz.create(directory: unpacked, output: folder.path + "/newer.tar.gz")
        await expectRefusal(
            folder.path + "/newer.tar.gz",
            code: .unsupportedVersion,
            mentioning: "format version 2; this nomaly reads version 1 and older"
        )
    }

    @Test("a model file that does not match the manifest's sha256 is refused")
    func tampered() async throws {
        let folder = try TemporaryFolder()
        let unpacked = try await unpackedModel(folder)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: unpacked + "/model.bin"))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: unpacked + "/model.bin"))
        _ = try await TarGz.create(directory: unpacked, output: folder.path + "/tampered.tar.gz")
        await expectRefusal(folder.path + "/tampered.tar.gz", code: .checksumMismatch, mentioning: "model.bin has sha256")
    }

    @Test("metrics.json is kept as read; one that is not JSON makes the artifact invalid")
    func metrics() async throws {
        let folder = try TemporaryFolder()
        let unpacked = try await unpackedModel(folder)
        let loaded = try await ModelArtifact.load(folder.path + "/model.tar.gz")
        #expect(loaded.metricsJSON == (try Data(contentsOf: URL(fileURLWithPath: unpacked + "/metrics.json"))))
        try folder.file("unpacked/metrics.json", "{not json")
        _ = try await TarGz.create(directory: unpacked, output: folder.path + "/bad-metrics.tar.gz")
        await expectRefusal(folder.path + "/bad-metrics.tar.gz", code: .invalidArtifact, mentioning: "metrics.json is not a JSON file")
    }

    @Test("a manifest naming a model file outside the artifact, or no manifest at all, is refused")
    func malformedManifests() async throws {
        let folder = try TemporaryFolder()
        let unpacked = try await unpackedModel(folder)
        try editManifest(unpacked) { $0["model_file"] = "../../etc/passwd" }
        _ = try await TarGz.create(directory: unpacked, output: folder.path + "/escape.tar.gz")
        await expectRefusal(folder.path + "/escape.tar.gz", code: .invalidArtifact, mentioning: "plain file name")

        try FileManager.default.removeItem(atPath: unpacked + "/manifest.json")
        _ = try await TarGz.create(directory: unpacked, output: folder.path + "/bare.tar.gz")
        await expectRefusal(folder.path + "/bare.tar.gz", code: .invalidArtifact, mentioning: "has no manifest.json")

        try folder.file("unpacked/manifest.json", "{\"format_version\": 1, \"detector\": 3}")
        _ = try await TarGz.create(directory: unpacked, output: folder.path + "/garbled.tar.gz")
        await expectRefusal(folder.path + "/garbled.tar.gz", code: .invalidArtifact, mentioning: "manifest.json is malformed")
    }

    @Test("a hostile tarball (a symlink to /etc/passwd) or a file that is no tarball is refused")
    func hostile() async throws {
        let folder = try TemporaryFolder()
        let unpacked = try await unpackedModel(folder)
        try FileManager.default.removeItem(atPath: unpacked + "/model.bin")
        try FileManager.default.createSymbolicLink(atPath: unpacked + "/model.bin", withDestinationPath: "/etc/passwd")
        let tar = try ChildProcess.run(["tar", "-czf", folder.path + "/hostile.tar.gz", "-C", unpacked, "."])
        #expect(tar.status == 0, "\(tar.combinedOutput)")
        await expectRefusal(folder.path + "/hostile.tar.gz", code: .invalidArtifact, mentioning: "not a readable model tarball")
        try folder.file("text.tar.gz", "just text")
        await expectRefusal(folder.path + "/text.tar.gz", code: .invalidArtifact, mentioning: "not a readable model tarball")
        #expect(try folder.names() == ["hostile.tar.gz", "model.tar.gz", "text.tar.gz", "train.csv", "unpacked"])
    }

    @Test("a 4 GiB sparse model.bin is refused by its size before it is read, even past relaxed extraction limits")
    func sparseModelFile() async throws {
        let folder = try TemporaryFolder()
        let unpacked = try await unpackedModel(folder)
        #expect(try ChildProcess.run(["truncate", "-s", "4G", unpacked + "/model.bin"]).status == 0)
        let tar = try ChildProcess.run(["tar", "--sparse", "-czf", folder.path + "/sparse.tar.gz", "-C", unpacked, "."])
        #expect(tar.status == 0, "\(tar.combinedOutput)")

        // The default limits stop it at extraction: its holes expand far beyond the compression ratio allowed.
        await expectRefusal(folder.path + "/sparse.tar.gz", code: .invalidArtifact, mentioning: "decompression bomb")
        // With limits an operator relaxed, loading still refuses to read 4 GiB into memory.
        var relaxed = ArchiveLimits()
        relaxed.maxCompressionRatio = 1e12
        relaxed.maxEntryBytes = 8 << 30
        do {
            _ = try await ModelArtifact.load(folder.path + "/sparse.tar.gz", limits: relaxed)
            Issue.record("the sparse model was loaded")
        } catch let error as ModelingError {
            #expect(error.code == .invalidArtifact)
            #expect(error.message.hasSuffix("model.bin has 4294967296 bytes, more than the 2 GiB a model file may hold"), "\(error.message)")
        }
    }
}

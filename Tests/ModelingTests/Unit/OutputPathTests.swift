import Datasets
import Foundation
import Modeling
import TestSupport
import Testing

/// `nomaly score --output` and `nomaly fit --output` with a path that is not a regular file: a device or FIFO is
/// written in place (never renamed over, whatever `overwrite` says), a folder refused.
@Suite("Scores and model artifacts written to devices, FIFOs and folders")
struct OutputPathTests {
    let request = TrainingRequest(detector: "ecod", selection: ColumnSelection(id: "id", label: "label"), nomalyVersion: "test")

    /// A trained model in `folder` (model.tar.gz) and its training CSV (train.csv).
    func model(in folder: TemporaryFolder) async throws -> (ModelArtifact, input: String) {
        let input = try folder.file("train.csv", clusteredCSV(rows: 50))
        _ = try await ModelTrainer.fit(csv: input, request: request, output: folder.path + "/model.tar.gz")
        return (try await ModelArtifact.load(folder.path + "/model.tar.gz"), input)
    }

    @Test("scores into a device node without overwrite: written in place, the device stays", .enabled(if: SpecialFiles.deviceTestsRun))
    func scoresIntoDevice() async throws {
        let folder = try TemporaryFolder()
        let (model, input) = try await model(in: folder)
        try SpecialFiles.makeNullDevice(at: folder.path + "/null")
        let summary = try await BatchScorer.score(
            model,
            request: ScoringRequest(input: input, output: folder.path + "/null", overwrite: false, idColumn: "id")
        )
        #expect(summary.rows == 51)
        #expect(SpecialFiles.kind(of: folder.path + "/null") == "character device 1:3")
        #expect(try folder.names() == ["model.tar.gz", "null", "train.csv"])
    }

    @Test("scores into a FIFO reach its reader, the FIFO stays")
    func scoresIntoFIFO() async throws {
        let folder = try TemporaryFolder()
        let (model, input) = try await model(in: folder)
        let reader = try FIFOReader(path: folder.path + "/scores")
        _ = try await BatchScorer.score(model, request: ScoringRequest(input: input, output: reader.path, overwrite: false, idColumn: "id"))
        let lines = reader.finishText().split(separator: "\n")
        #expect(lines.first == "id,score,is_anomaly")
        #expect(lines.count == 52)
        #expect(SpecialFiles.kind(of: reader.path) == "FIFO")
    }

    @Test("a folder as the scores output is refused before scoring")
    func scoresIntoFolder() async throws {
        let folder = try TemporaryFolder()
        let (model, input) = try await model(in: folder)
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: false)
        await #expect { try await BatchScorer.score(model, request: ScoringRequest(input: input, output: folder.path + "/out")) } throws: {
            "\($0)" == "cannot write \(folder.path)/out: it is a folder; name a file inside it"
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out").isEmpty)
    }

    @Test("fit into a device node: the artifact goes in place, no staging folder beside the device", .enabled(if: SpecialFiles.deviceTestsRun))
    func fitIntoDevice() async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", clusteredCSV(rows: 50))
        try FileManager.default.createDirectory(atPath: folder.path + "/dev", withIntermediateDirectories: false)
        try SpecialFiles.makeNullDevice(at: folder.path + "/dev/null")
        let result = try await ModelTrainer.fit(csv: input, request: request, output: folder.path + "/dev/null")
        #expect(result.archiveBytes > 0)
        #expect(SpecialFiles.kind(of: folder.path + "/dev/null") == "character device 1:3")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/dev") == ["null"])
    }

    @Test("fit into a FIFO: its reader gets an artifact that loads")
    func fitIntoFIFO() async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", clusteredCSV(rows: 50))
        let reader = try FIFOReader(path: folder.path + "/model.tar.gz")
        let result = try await ModelTrainer.fit(csv: input, request: request, output: reader.path)
        try folder.data("copy.tar.gz", reader.finish())
        let loaded = try await ModelArtifact.load(folder.path + "/copy.tar.gz")
        #expect(loaded.sha256 == result.archiveSHA256)
        #expect(SpecialFiles.kind(of: reader.path) == "FIFO")
        #expect(try folder.names() == ["copy.tar.gz", "model.tar.gz", "train.csv"])
    }
}

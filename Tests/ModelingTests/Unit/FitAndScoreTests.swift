import Datasets
import Detectors
import Foundation
import Modeling
import TestSupport
import Testing

@Suite("Fitting a model artifact and scoring CSV files with it")
struct FitAndScoreTests {
    func request(_ detector: String, contamination: Double? = nil) -> TrainingRequest {
        TrainingRequest(
            detector: detector,
            parameters: DetectorParameters(seed: detector == "ecod" ? nil : 42),
            contamination: contamination,
            selection: ColumnSelection(id: "id", label: "label"),
            nomalyVersion: "test"
        )
    }

    @Test(
        "an obvious outlier is flagged; ids come back in input order; the manifest describes the training",
        arguments: ["isolation-forest", "ecod"]
    )
    func roundTrip(detector: String) async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", clusteredCSV())
        let result = try await ModelTrainer.fit(csv: input, request: request(detector, contamination: 0.01), output: folder.path + "/model.tar.gz")
        let manifest = result.manifest
        #expect(manifest.detector == detector)
        #expect(manifest.featureNames == ["a", "b", "c"])
        #expect(manifest.idColumn == "id" && manifest.labelColumn == "label")
        #expect(manifest.training.rows == 301 && manifest.training.sourceSha256?.count == 64)
        #expect(manifest.threshold.method == "contamination" && manifest.threshold.contamination == 0.01)
        #expect(manifest.features[0].max == 9.5 && manifest.features[1].min == -8)
        let auc = try #require(result.metrics.training.rocAUC)
        #expect(auc == 1.0, "the outlier should outscore every clustered row")
        if detector == "isolation-forest" { #expect(manifest.parameters == DetectorParameters(trees: 100, sampleSize: 256, seed: 42)) }

        let model = try await ModelArtifact.load(folder.path + "/model.tar.gz")
        #expect(model.manifest == manifest)
        #expect(model.sha256 == result.archiveSHA256)
        let summary = try await BatchScorer.score(
            model,
            request: ScoringRequest(input: input, output: folder.path + "/scores.csv", idColumn: "id", threads: 2, chunkRows: 64)
        )
        #expect(summary.rows == 301)
        let lines = try csvLines(folder, "scores.csv")
        #expect(lines.first == "id,score,is_anomaly")
        #expect(lines.count == 302)
        #expect(lines.dropFirst().map { String($0.prefix { $0 != "," }) } == (0..<300).map { "r\($0)" } + ["outlier"])
        #expect(lines.last?.hasSuffix(",1") == true)
        #expect(summary.anomalies >= 1 && summary.anomalies <= 6)
        #expect(try folder.names() == ["model.tar.gz", "scores.csv", "train.csv"], "no temporary files left behind")
    }

    @Test("scores read back from the CSV are bit-identical to the in-memory detector's", arguments: ["isolation-forest", "ecod"])
    func bitIdentical(detector: String) async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", clusteredCSV(rows: 500, seed: 9))
        _ = try await ModelTrainer.fit(csv: input, request: request(detector), output: folder.path + "/model.tar.gz")
        let model = try await ModelArtifact.load(folder.path + "/model.tar.gz")
        _ = try await BatchScorer.score(model, request: ScoringRequest(input: input, output: folder.path + "/scores.csv"))
        let written = try csvLines(folder, "scores.csv").dropFirst().map { Double($0.split(separator: ",")[0])! }

        let dataset = try Dataset.load(csv: input, format: CSVFormat(), selection: ColumnSelection(id: "id", label: "label"), missing: .error)
        let matrix = FeatureMatrix(rowCount: dataset.rowCount, columnCount: 3, values: dataset.features)
        let refit: any AnomalyDetector =
            detector == "ecod" ? try ECOD.fit(matrix) : try IsolationForest.fit(matrix, parameters: .init(trees: 100, sampleSize: 256, seed: 42))
        #expect(written == refit.score(matrix, threads: 1))
    }

    @Test("the default threshold is the detector's own: 0.5 for isolation-forest, 10% contamination for ecod")
    func defaultThresholds() async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", clusteredCSV())
        let forest = try await ModelTrainer.fit(csv: input, request: request("isolation-forest"), output: folder.path + "/if.tar.gz")
        #expect(forest.manifest.threshold == ThresholdChoice(method: "default", value: 0.5, contamination: nil))
        let ecod = try await ModelTrainer.fit(csv: input, request: request("ecod"), output: folder.path + "/ecod.tar.gz")
        #expect(ecod.manifest.threshold.method == "default" && ecod.manifest.threshold.contamination == 0.1)
        #expect(abs(ecod.metrics.anomalyRate - 0.1) < 0.01)
    }

    @Test("scoring refuses an input without the model's feature columns, and leaves no output behind")
    func missingColumns() async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", clusteredCSV())
        _ = try await ModelTrainer.fit(csv: input, request: request("ecod"), output: folder.path + "/model.tar.gz")
        let model = try await ModelArtifact.load(folder.path + "/model.tar.gz")
        let other = try folder.file("other.csv", "id,a,c\nx,1,2\n")
        await #expect(throws: (any Error).self) {
            try await BatchScorer.score(model, request: ScoringRequest(input: other, output: folder.path + "/scores.csv"))
        }
        let bad = try folder.file("bad.csv", "a,b,c\n1,2,3\n1,oops,3\n")
        do {
            _ = try await BatchScorer.score(model, request: ScoringRequest(input: bad, output: folder.path + "/scores.csv"))
            Issue.record("a non-numeric cell was scored")
        } catch {
            #expect("\(error)".contains("bad.csv:3:2"), "\(error)")
        }
        #expect(!(try folder.names().contains { $0.contains("scores") }))
    }

    @Test("impute-median scoring fills missing cells with the training medians stored in the model")
    func imputation() async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", "a,b\n1,10\n2,20\n3,30\n4,40\n5,50\n")
        var imputing = TrainingRequest(detector: "ecod", missing: .imputeMedian, nomalyVersion: "test")
        imputing.threshold = 100
        let result = try await ModelTrainer.fit(csv: input, request: imputing, output: folder.path + "/model.tar.gz")
        #expect(result.manifest.features.map(\.median) == [3, 30])
        #expect(result.manifest.missingValues == "impute-median")
        let model = try await ModelArtifact.load(folder.path + "/model.tar.gz")
        let holes = try folder.file("holes.csv", "a,b\n,30\n3,NaN\n3,30\n")
        _ = try await BatchScorer.score(model, request: ScoringRequest(input: holes, output: folder.path + "/scores.csv"))
        let scores = try csvLines(folder, "scores.csv").dropFirst().map { $0.split(separator: ",")[0] }
        #expect(Set(scores).count == 1, "every row is (3, 30) after imputation: \(scores)")
    }

    @Test("training refuses unknown detectors, bad contamination, and tree settings given to ecod")
    func refusedRequests() async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", clusteredCSV(rows: 20))
        for (change, expected) in [
            ({ (r: inout TrainingRequest) in r.detector = "lof" }, "unknown detector \"lof\""),
            ({ (r: inout TrainingRequest) in r.contamination = 0.7 }, "contamination must be in (0, 0.5]"),
            ({ (r: inout TrainingRequest) in r.parameters.trees = 0 }, "trees must be between 1 and 10000"),
            (
                { (r: inout TrainingRequest) in
                    r.detector = "ecod"
                    r.parameters = DetectorParameters(trees: 5)
                }, "ecod is parameter-free"
            ),
        ] {
            var bad = request("isolation-forest")
            change(&bad)
            await #expect { try await ModelTrainer.fit(csv: input, request: bad, output: folder.path + "/m.tar.gz") } throws: { error in
                "\(error)".contains(expected)
            }
        }
        #expect(try folder.names() == ["train.csv"])
    }
}

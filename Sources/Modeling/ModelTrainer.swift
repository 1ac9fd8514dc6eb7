import Archive
import Crypto
package import Datasets
package import Detectors
import FileSystem
import Foundation

/// What to train: the detector and its settings, the input and its columns, and how to pick the threshold.
package struct TrainingRequest: Sendable {
    /// `isolation-forest` or `ecod`.
    package var detector: String
    package var parameters: DetectorParameters
    /// The expected share of anomalies: the threshold becomes that upper quantile of the training scores.
    package var contamination: Double?
    /// A threshold given outright; wins over `contamination`.
    package var threshold: Double?
    package var format: CSVFormat
    package var selection: ColumnSelection
    package var missing: MissingValuePolicy
    package var threads: Int
    package var nomalyVersion: String

    package init(
        detector: String,
        parameters: DetectorParameters = .init(),
        contamination: Double? = nil,
        threshold: Double? = nil,
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        threads: Int = 1,
        nomalyVersion: String
    ) {
        self.detector = detector
        self.parameters = parameters
        self.contamination = contamination
        self.threshold = threshold
        self.format = format
        self.selection = selection
        self.missing = missing
        self.threads = threads
        self.nomalyVersion = nomalyVersion
    }
}

/// `metrics.json` of an artifact: how the model scores its own training data.
package struct ModelMetrics: Codable, Sendable, Equatable {
    package var training: ScoreSummary
    /// The share of training rows above the threshold; scoring runs compare their rate with it to spot drift.
    package var anomalyRate: Double
    package var threshold: Double
    /// Scores of the rows held out of training, when a spec asked for a holdout: what promotion compares.
    package var holdout: ScoreSummary?
    package var holdoutAnomalyRate: Double?

    /// A named metric for promotion policies: `roc_auc` and `average_precision` from the holdout (else the
    /// training data), or nil when unavailable (no labels).
    package func value(of metric: String) -> Double? {
        let summary = holdout ?? training
        switch metric {
        case "roc_auc": return summary.rocAUC
        case "average_precision": return summary.averagePrecision
        default: return nil
        }
    }

    package static let promotionMetrics = ["roc_auc", "average_precision"]
}

/// The outcome of a fit: the manifest and metrics written, and the tarball's summary.
package struct TrainingResult: Sendable {
    package let manifest: ModelManifest
    package let metrics: ModelMetrics
    package let archiveSHA256: String
    package let archiveBytes: Int64
}

/// Fits a detector on a dataset and writes the model artifact.
///
/// ```swift
/// let request = TrainingRequest(detector: "isolation-forest", nomalyVersion: NomalyVersion.current)
/// let result = try await ModelTrainer.fit(csv: "train.csv", request: request, output: "model.tar.gz")
/// print(result.metrics.training.rocAUC ?? .nan)
/// ```
package enum ModelTrainer {
    package static let detectors = ["isolation-forest", "ecod"]

    /// Reads a CSV file (plain or gzip) whole and fits on it. Blocking work runs on the blocking pool.
    package static func fit(csv path: String, request: TrainingRequest, output: String) async throws -> TrainingResult {
        try validate(request)
        let (dataset, fingerprint) = try await BlockingWork.run {
            let dataset = try Dataset.load(csv: path, format: request.format, selection: request.selection, missing: request.missing)
            return (dataset, try fileSHA256(path))
        }
        return try await fit(dataset: dataset, source: path, sourceSHA256: fingerprint, request: request, output: output)
    }

    /// Fits on rows already in memory (a CSV, or a SQL query's result) and writes the artifact at `output`.
    package static func fit(
        dataset: Dataset,
        source: String,
        sourceSHA256: String?,
        request: TrainingRequest,
        holdout: Dataset? = nil,
        output: String
    ) async throws -> TrainingResult {
        try validate(request)
        guard dataset.rowCount > 0 else {
            throw ModelingError(
                .invalidInput,
                "\(source) has no rows to train on\(dataset.skippedRows > 0 ? " (\(dataset.skippedRows) skipped for missing values)" : "")"
            )
        }
        let matrix = FeatureMatrix(rowCount: dataset.rowCount, columnCount: dataset.featureNames.count, values: dataset.features)
        let (detector, scores) = try await BlockingWork.run {
            let detector = try makeDetector(request, matrix: matrix)
            return (detector, detector.score(matrix, threads: request.threads))
        }
        let threshold = try chooseThreshold(request, detector: detector, scores: scores)
        let labels = dataset.labels.map { $0.map { $0 != 0 } }
        let summary = ScoreSummary(scores: scores, labels: labels)
        let anomalies = scores.reduce(0) { $0 + (threshold.value < $1 ? 1 : 0) }
        var metrics = ModelMetrics(training: summary, anomalyRate: Double(anomalies) / Double(scores.count), threshold: threshold.value)
        if let holdout, holdout.rowCount > 0 {
            let heldOut = FeatureMatrix(rowCount: holdout.rowCount, columnCount: holdout.featureCount, values: holdout.features)
            let holdoutScores = detector.score(heldOut, threads: request.threads)
            metrics.holdout = ScoreSummary(scores: holdoutScores, labels: holdout.labels.map { $0.map { $0 != 0 } })
            metrics.holdoutAnomalyRate = Double(holdoutScores.filter { $0 > threshold.value }.count) / Double(holdoutScores.count)
        }
        let manifest = ModelManifest(
            formatVersion: ModelManifest.currentFormatVersion,
            detector: request.detector,
            parameters: effectiveParameters(request, rows: dataset.rowCount),
            threshold: threshold,
            features: dataset.columnSummaries().map { FeatureColumn(name: $0.name, min: $0.min, max: $0.max, mean: $0.mean, median: $0.median) },
            idColumn: request.selection.id,
            labelColumn: request.selection.label,
            missingValues: request.missing.rawValue,
            training: TrainingSource(
                source: source,
                sourceSha256: sourceSHA256,
                rows: dataset.rowCount,
                skippedRows: dataset.skippedRows,
                // Whole seconds: the manifest stores ISO 8601 without fractions, and a loaded manifest must equal this one.
                fittedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            ),
            modelFile: ModelArtifact.modelFileName,
            modelSha256: "",
            nomalyVersion: request.nomalyVersion
        )
        let written = try await ModelArtifact.write(detector: detector, manifest: manifest, metrics: metrics, to: output)
        return TrainingResult(
            manifest: written.manifest,
            metrics: metrics,
            archiveSHA256: written.archive.sha256,
            archiveBytes: written.archive.compressedBytes
        )
    }

    static func validate(_ request: TrainingRequest) throws {
        guard detectors.contains(request.detector) else {
            throw ModelingError(.invalidParameter, "unknown detector \"\(request.detector)\"; choose one of \(detectors.joined(separator: ", "))")
        }
        if let trees = request.parameters.trees, !(1...10_000).contains(trees) {
            throw ModelingError(.invalidParameter, "trees must be between 1 and 10000, not \(trees)")
        }
        if let sampleSize = request.parameters.sampleSize, !(2...IsolationForest.maximumSampleSize).contains(sampleSize) {
            throw ModelingError(.invalidParameter, "sample size must be between 2 and \(IsolationForest.maximumSampleSize), not \(sampleSize)")
        }
        if let contamination = request.contamination, !(contamination > 0 && contamination <= 0.5) {
            throw ModelingError(.invalidParameter, "contamination must be in (0, 0.5], not \(contamination)")
        }
        if let threshold = request.threshold, !threshold.isFinite {
            throw ModelingError(.invalidParameter, "the threshold must be a finite number")
        }
        if request.detector == "ecod", request.parameters.trees != nil || request.parameters.sampleSize != nil {
            throw ModelingError(.invalidParameter, "ecod is parameter-free: --trees and --sample-size apply to isolation-forest only")
        }
    }

    static func effectiveParameters(_ request: TrainingRequest, rows: Int) -> DetectorParameters {
        guard request.detector == "isolation-forest" else { return DetectorParameters() }
        let defaults = IsolationForest.Parameters()
        return DetectorParameters(
            trees: request.parameters.trees ?? defaults.trees,
            sampleSize: min(request.parameters.sampleSize ?? defaults.sampleSize, rows),
            seed: request.parameters.seed ?? defaults.seed
        )
    }

    static func makeDetector(_ request: TrainingRequest, matrix: FeatureMatrix) throws -> any AnomalyDetector {
        switch request.detector {
        case "ecod":
            return try ECOD.fit(matrix, threads: request.threads)
        default:
            var parameters = IsolationForest.Parameters()
            if let trees = request.parameters.trees { parameters.trees = trees }
            if let sampleSize = request.parameters.sampleSize { parameters.sampleSize = sampleSize }
            if let seed = request.parameters.seed { parameters.seed = seed }
            return try IsolationForest.fit(matrix, parameters: parameters, threads: request.threads)
        }
    }

    static func chooseThreshold(_ request: TrainingRequest, detector: any AnomalyDetector, scores: [Double]) throws -> ThresholdChoice {
        if let value = request.threshold {
            return ThresholdChoice(method: "explicit", value: value, contamination: nil)
        }
        if let rate = request.contamination {
            return ThresholdChoice(
                method: "contamination",
                value: try Threshold.contamination(rate, trainingScores: scores).value,
                contamination: rate
            )
        }
        let fallback = try Threshold.defaultThreshold(for: detector, trainingScores: scores)
        return ThresholdChoice(method: "default", value: fallback.value, contamination: request.detector == "ecod" ? 0.1 : nil)
    }

    /// sha256 of a file, read in 1 MiB blocks: a dataset's fingerprint. Blocking.
    package static func fileSHA256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ModelingError(.io, "cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
        return hasher.finalize().hexString
    }
}

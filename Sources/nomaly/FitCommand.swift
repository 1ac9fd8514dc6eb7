import App
import ArgumentParser
import Datasets
import Detectors
import Foundation
import Modeling

struct FitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Train a detector on a CSV file and write a model artifact (.tar.gz). Needs no database.",
        discussion: """
            The artifact holds manifest.json (format version, detector, parameters, threshold, feature schema with \
            training min/max/mean/median, lineage), metrics.json (training score quantiles; ROC-AUC and PR-AUC with \
            --label) and model.bin. Without --features every column except the --id and --label columns is a feature. \
            The input may be gzip-compressed. See docs/detectors.md.
            """
    )

    @Option(help: "\(ModelTrainer.detectors.joined(separator: " or ")).")
    var detector: String

    @Option(help: "The training CSV (plain or gzip), with a header row.")
    var input: String

    @Option(help: "The model artifact to write (.tar.gz); written atomically (a device, FIFO or /dev/stdout in place).")
    var output: String

    @Option(help: "Comma-separated feature columns, in order (default: all but --id and --label).")
    var features: String?

    @Option(help: "A column holding 1 for anomalies and 0 otherwise; used only to report ROC-AUC and PR-AUC.")
    var label: String?

    @Option(help: "A column identifying rows; never a feature.")
    var id: String?

    @Option(help: "isolation-forest: number of trees (default 100).")
    var trees: Int?

    @Option(help: "isolation-forest: rows drawn per tree (default 256, capped at the row count).")
    var sampleSize: Int?

    @Option(help: "isolation-forest: random seed; the same seed and data give the same model (default 0).")
    var seed: UInt64?

    @Option(help: "Expected share of anomalies in (0, 0.5]: the threshold becomes that upper quantile of training scores.")
    var contamination: Double?

    @Option(help: "An explicit score threshold (wins over --contamination).")
    var threshold: Double?

    @Option(help: "Empty or NaN feature cells: error, skip (drop the row) or impute-median.", transform: parseMissingPolicy)
    var missing: MissingValuePolicy = .error

    @Option(help: "The field delimiter: one character, or `tab`.")
    var delimiter = ","

    @Option(help: "Threads for fitting and scoring the training data (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print {output, sha256, bytes, manifest, metrics} as JSON.")
    var json = false

    func validate() throws {
        guard ModelTrainer.detectors.contains(detector) else {
            throw ValidationError("--detector must be one of \(ModelTrainer.detectors.joined(separator: ", ")), not '\(detector)'")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        _ = try parseDelimiter(delimiter)
    }

    func run() async throws {
        _ = try Runtime.load()
        let request = TrainingRequest(
            detector: detector,
            parameters: DetectorParameters(trees: trees, sampleSize: sampleSize, seed: seed),
            contamination: contamination,
            threshold: threshold,
            format: CSVFormat(delimiter: try parseDelimiter(delimiter)),
            selection: ColumnSelection(features: features.map(splitColumns), id: id, label: label),
            missing: missing,
            threads: threads,
            nomalyVersion: NomalyVersion.current
        )
        let result = try await ModelTrainer.fit(csv: input, request: request, output: output)
        if json {
            try JSONOutput.print(FitOutput(result: result, output: output))
        } else {
            print(describe(result))
        }
    }

    func describe(_ result: TrainingResult) -> String {
        let manifest = result.manifest
        let training = result.metrics.training
        var lines = [
            "wrote \(output) (\(result.archiveBytes) bytes, sha256 \(result.archiveSHA256))",
            "\(manifest.detector) on \(manifest.training.rows) rows × \(manifest.features.count) features"
                + (manifest.training.skippedRows > 0 ? " (\(manifest.training.skippedRows) rows skipped)" : ""),
            "threshold \(manifest.threshold.value) (\(manifest.threshold.method)); \(formatPercent(result.metrics.anomalyRate)) of training rows above it",
            "training scores: p50 \(formatScore(training.p50))  p90 \(formatScore(training.p90))  p99 \(formatScore(training.p99))  max \(formatScore(training.max))",
        ]
        if let auc = training.rocAUC, let ap = training.averagePrecision {
            lines.append("on its training data: ROC-AUC \(formatMetric(auc))  PR-AUC \(formatMetric(ap))")
        }
        return lines.joined(separator: "\n")
    }
}

struct FitOutput: Encodable {
    let output: String
    let sha256: String
    let bytes: Int64
    let manifest: ModelManifest
    let metrics: ModelMetrics

    init(result: TrainingResult, output: String) {
        self.output = output
        sha256 = result.archiveSHA256
        bytes = result.archiveBytes
        manifest = result.manifest
        metrics = result.metrics
    }
}

/// `--missing error|skip|impute-median`.
func parseMissingPolicy(_ text: String) throws -> MissingValuePolicy {
    guard let policy = MissingValuePolicy(rawValue: text) else {
        throw ValidationError("--missing must be one of \(MissingValuePolicy.allCases.map(\.rawValue).joined(separator: ", ")), not \(text)")
    }
    return policy
}

/// `,` `;` `|`, or `tab`: one ASCII character.
func parseDelimiter(_ text: String) throws -> UInt8 {
    if text == "tab" || text == "\\t" || text == "\t" { return 0x09 }
    guard text.utf8.count == 1, let byte = text.utf8.first, byte < 0x80, byte != UInt8(ascii: "\""), byte != 0x0A, byte != 0x0D else {
        throw ValidationError("--delimiter must be one ASCII character other than a quote or line break, or `tab`")
    }
    return byte
}

func splitColumns(_ list: String) -> [String] {
    list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
}

func formatMetric(_ value: Double) -> String { String(format: "%.4f", value) }
func formatPercent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
func formatScore(_ value: Double) -> String { String(format: "%.6g", value) }

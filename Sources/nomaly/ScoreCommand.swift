import App
import ArgumentParser
import Datasets
import Detectors
import Foundation
import Modeling
import Registry

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a CSV file with a model artifact, streaming; writes [id,]score,is_anomaly per row. Needs no database.",
        discussion: """
            Rows stream through in chunks, so memory stays bounded for inputs of any size. The output has a header and \
            one line per scored row in input order; with --missing skip, rows with missing features are left out (use --id \
            to join). Missing cells follow the policy the model was trained with unless --missing says otherwise; \
            impute-median uses the training medians stored in the model. The output file appears only when complete; \
            a device, a FIFO or /dev/stdout is written in place, and a folder is refused.
            """
    )

    @Option(help: "A model artifact (.tar.gz) from `nomaly fit`, or a registry version: NAME@ALIAS, NAME:VERSION, NAME (= NAME@production).")
    var model: String

    @Option(help: "The CSV to score (plain or gzip), with a header naming the model's feature columns.")
    var input: String

    @Option(help: "Where to write the scores CSV, or - for standard output.")
    var output: String

    @Option(help: "An input column to copy into the output as the first column.")
    var id: String?

    @Option(help: "A column of 1/0 labels: report ROC-AUC and PR-AUC of this run (the label is not copied to the output).")
    var label: String?

    @Option(help: "Threads for scoring (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Empty or NaN feature cells: error, skip or impute-median (default: the model's training policy).", transform: parseMissingPolicy)
    var missing: MissingValuePolicy?

    @Option(help: "The field delimiter of input and output: one character, or `tab`.")
    var delimiter = ","

    @Option(help: "Rows scored at a time; bounds memory.")
    var chunkRows = 65_536

    @Flag(help: "Print {rows, skipped_rows, anomalies, threshold, scores, scores_exact} as JSON (needs --output other than -).")
    var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard chunkRows >= 1 && chunkRows <= 10_000_000 else { throw ValidationError("--chunk-rows must be between 1 and 10000000") }
        guard !(json && output == "-") else { throw ValidationError("--json needs --output to be a file, not -") }
        _ = try parseDelimiter(delimiter)
    }

    func run() async throws {
        let runtime = try Runtime.load()
        let request = ScoringRequest(
            input: input,
            output: output,
            format: CSVFormat(delimiter: try parseDelimiter(delimiter)),
            idColumn: id,
            labelColumn: label,
            missing: missing,
            threads: threads,
            chunkRows: chunkRows
        )
        let summary = try await runtime.score(model: model, request: request) { version, reference in
            FileHandle.standardError.write(Data("using \(version.model):\(version.version) (\(reference))\n".utf8))
        }
        if json {
            try JSONOutput.print(summary)
        } else if output != "-" {
            FileHandle.standardError.write(Data((describe(summary) + "\n").utf8))
        }
    }

    func describe(_ summary: ScoringSummary) -> String {
        let rate = summary.rows > 0 ? Double(summary.anomalies) / Double(summary.rows) : 0
        var text = "scored \(summary.rows) rows into \(output): \(summary.anomalies) anomalies (\(formatPercent(rate))) above \(summary.threshold)"
        if summary.skippedRows > 0 { text += "; \(summary.skippedRows) rows skipped" }
        if let scores = summary.scores, let auc = scores.rocAUC, let ap = scores.averagePrecision {
            text += "\nROC-AUC \(formatMetric(auc))  PR-AUC \(formatMetric(ap))" + (summary.scoresExact ? "" : " (estimated from a sample)")
        }
        return text
    }
}

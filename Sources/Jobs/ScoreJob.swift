import Foundation
import Logging
import Modeling
package import ObjectStore
import Postgres
import Registry
package import Scheduler

/// `kind: score` — scores an input with `MODEL@ALIAS` or `MODEL:VERSION` and writes the scores to a table, a
/// CSV file or `s3://`. The run's result names the exact version used, rows scored, anomalies and the score
/// distribution.
///
/// ```yaml
/// kind: score
/// schedule: "30 2 * * *"
/// with:
///   model: fraud@production
///   input: /data/today.csv          # a path, s3://bucket/key.csv (below NOMALY_SCORING_S3_PREFIXES), or
///   # sql: "SELECT id, amount, hour FROM payments WHERE day = current_date"
///   id: id                          # needed for table output (row_key)
///   output: table                   # table (anomaly_scores) | table:NAME | /path/scores.csv | s3://bucket/key.csv
///   overwrite: false                # replace an existing output file or object (default: the run fails instead)
/// ```
///
/// Locations follow ``ScoringLocations``: `s3://` only below the configured prefixes, never the artifact store or the
/// backups. They are checked when the spec is loaded and again when each run starts, symbolic links resolved; runs of
/// `api.scoring` (the API's) must also keep their files in the scoring folder. A run (``ScoreRun``) streams its input
/// into its output with nothing staged on disk, and reads at most `NOMALY_SCORING_MAX_INPUT` bytes of CSV.
package struct ScoreKind: JobKind {
    package let name = "score"
    let services: ModelServices?
    /// What `s3://` locations are checked against as specs load: the services' own, else the given ones (offline).
    let locations: ScoringLocations?

    /// - Parameter locations: for validating job files without services (`nomaly check`); ignored when `services`
    ///   is given.
    package init(services: ModelServices?, locations: ScoringLocations? = nil) {
        self.services = services
        self.locations = services?.scoringLocations ?? locations
    }

    package func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        // Every setting is read before any is judged, so that each mistake is reported.
        let modelText = settings.requiredString("model")
        let input = settings.string("input")
        let sql = settings.string("sql")
        let id = settings.string("id")
        let outputText = settings.requiredString("output")
        let overwrite = settings.bool("overwrite") ?? false
        var reference: ModelReference?
        do {
            reference = try ModelReference.parse(modelText)
        } catch {
            settings.report(JobSpecError(key: "with.model", message: "\(error)"))
        }
        if (input == nil) == (sql == nil) {
            settings.report(JobSpecError(key: "with.input", message: "give exactly one of input: PATH (or s3:// URL) and sql: QUERY"))
        }
        if let locations {
            // The S3 rule needs no I/O, so a job file breaking it is refused as it loads; paths wait for the run.
            for (key, text) in [("input", input), ("output", outputText)] {
                guard let text, ScoringLocations.isS3(text) else { continue }
                do {
                    _ = try locations.checkS3(text, role: key)
                } catch {
                    settings.report(JobSpecError(key: "with.\(key)", message: error.message))
                }
            }
        }
        var output = ScoreOutput.file(outputText)
        if outputText == "table" {
            output = .table("anomaly_scores")
        } else if outputText.hasPrefix("table:") {
            let table = String(outputText.dropFirst("table:".count))
            if table.wholeMatch(of: /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/) != nil {
                output = .table(table)
            } else {
                settings.report(JobSpecError(key: "with.output", message: "'\(table)' is not a table name"))
            }
        }
        if case .table = output, id == nil {
            settings.report(JobSpecError(key: "with.id", message: "table output needs id: COLUMN (stored as row_key)"))
        }
        try settings.stopIfInvalid()
        guard let reference, let source = input.map({ ModelSpec.DataSource.csv($0) }) ?? sql.map({ .sql($0) }) else {
            throw JobSpecError(key: "with", message: "needs model: and one of input: and sql:")
        }
        return ScoreRun(
            services: services,
            reference: reference,
            input: source,
            id: id,
            output: output,
            overwrite: overwrite
        )
    }
}

enum ScoreOutput: Sendable {
    /// Rows go into a table with columns (run_id, row_key, score, is_anomaly), as `anomaly_scores` has.
    case table(String)
    /// A path or an `s3://` URL.
    case file(String)
}

struct ScoreReport: Encodable {
    let model: String
    let version: Int
    let reference: String
    let output: String
    let summary: ScoringSummary
}

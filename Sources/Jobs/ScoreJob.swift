import Foundation
import Logging
import Modeling
import ObjectStore
import Postgres
import Registry
public import Scheduler

/// `kind: score` — scores an input with `MODEL@ALIAS` or `MODEL:VERSION` and writes the scores to a table, a
/// CSV file or `s3://`. The run's result names the exact version used, rows scored, anomalies and the score
/// distribution.
///
/// ```yaml
/// kind: score
/// schedule: "30 2 * * *"
/// with:
///   model: fraud@production
///   input: /data/today.csv          # a path, s3://bucket/key.csv, or
///   # sql: "SELECT id, amount, hour FROM payments WHERE day = current_date"
///   id: id                          # needed for table output (row_key)
///   output: table                   # table (anomaly_scores) | table:NAME | /path/scores.csv | s3://bucket/key.csv
/// ```
public struct ScoreKind: JobKind {
    public let name = "score"
    let services: ModelServices?

    public init(services: ModelServices?) {
        self.services = services
    }

    public func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        let modelText = try settings.requiredString("model")
        let reference: ModelReference
        do {
            reference = try ModelReference.parse(modelText)
        } catch {
            throw JobSpecError(key: "with.model", message: "\(error)")
        }
        let input = try settings.string("input")
        let sql = try settings.string("sql")
        guard (input == nil) != (sql == nil) else {
            throw JobSpecError(key: "with.input", message: "give exactly one of input: PATH (or s3:// URL) and sql: QUERY")
        }
        let id = try settings.string("id")
        let outputText = try settings.requiredString("output")
        let output: ScoreOutput
        if outputText == "table" {
            output = .table("anomaly_scores")
        } else if outputText.hasPrefix("table:") {
            let table = String(outputText.dropFirst("table:".count))
            guard table.wholeMatch(of: /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/) != nil else {
                throw JobSpecError(key: "with.output", message: "'\(table)' is not a table name")
            }
            output = .table(table)
        } else {
            output = .file(outputText)
        }
        if case .table = output, id == nil {
            throw JobSpecError(key: "with.id", message: "table output needs id: COLUMN (stored as row_key)")
        }
        return ScoreRun(services: services, reference: reference, input: input.map { .csv($0) } ?? .sql(sql!), id: id, output: output)
    }
}

enum ScoreOutput: Sendable {
    /// Rows go into a table with columns (run_id, row_key, score, is_anomaly), as `anomaly_scores` has.
    case table(String)
    /// A path or an `s3://` URL.
    case file(String)
}

struct ScoreRun: JobRunnable {
    let services: ModelServices?
    let reference: ModelReference
    let input: ModelSpec.DataSource
    let id: String?
    let output: ScoreOutput

    func run(_ context: RunContext) async throws -> RunOutcome {
        guard let services else { throw JobFailure("score needs the registry (run it under nomaly serve)") }
        let version = try await services.registry.resolve(reference)
        let model = try await services.cache.model(sha256: version.artifactSha256)
        context.log.append(line: "scoring with \(version.model):\(version.version) (\(reference))")
        let scratch = try ModelServices.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let scores = scratch + "/scores.csv"
        let summary: ScoringSummary
        switch input {
        case .csv(let location):
            let path = try await services.localCopy(of: location, in: scratch)
            summary = try await BatchScorer.score(
                model,
                request: ScoringRequest(input: path, output: scores, idColumn: id, threads: services.threads)
            )
        case .sql(let query):
            summary = try await BatchScorer.score(model, query: query, pool: services.pool, idColumn: id, output: scores, threads: services.threads)
        }
        let destination: String
        switch output {
        case .table(let table):
            try await ScoreTableWriter.copy(scores, into: table, runID: context.runID, pool: services.pool)
            destination = "table \(table)"
        case .file(let location) where location.hasPrefix("s3://"):
            let object = try ObjectLocation.parse(location, s3: services.s3)
            try await object.store.put(file: scores, key: object.key, progress: nil)
            destination = location
        case .file(let path):
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                withIntermediateDirectories: true
            )
            try FileManager.default.moveItem(atPath: scores, toPath: path)
            destination = path
        }
        context.log.append(line: "scored \(summary.rows) rows, \(summary.anomalies) anomalies, into \(destination)")
        ScoringMetrics.record(model: version.model, rows: summary.rows, anomalies: summary.anomalies, source: "job")
        let report = ScoreReport(
            model: version.model,
            version: version.version,
            reference: reference.description,
            output: destination,
            summary: summary
        )
        return RunOutcome(result: try SpecValue(encoding: report))
    }
}

struct ScoreReport: Encodable {
    let model: String
    let version: Int
    let reference: String
    let output: String
    let summary: ScoringSummary
}

import Foundation
import Logging
import Modeling
public import ObjectStore
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
///   input: /data/today.csv          # a path, s3://bucket/key.csv (below NOMALY_SCORING_S3_PREFIXES), or
///   # sql: "SELECT id, amount, hour FROM payments WHERE day = current_date"
///   id: id                          # needed for table output (row_key)
///   output: table                   # table (anomaly_scores) | table:NAME | /path/scores.csv | s3://bucket/key.csv
///   overwrite: false                # replace an existing output file or object (default: the run fails instead)
/// ```
///
/// Locations follow ``ScoringLocations``: `s3://` only below the configured prefixes, never the artifact store or the
/// backups. They are checked when the spec is loaded and again when each run starts, symbolic links resolved; runs of
/// `api.scoring` (the API's) must also keep their files in the scoring folder.
public struct ScoreKind: JobKind {
    public let name = "score"
    let services: ModelServices?
    /// What `s3://` locations are checked against as specs load: the services' own, else the given ones (offline).
    let locations: ScoringLocations?

    /// - Parameter locations: for validating job files without services (`nomaly check`); ignored when `services`
    ///   is given.
    public init(services: ModelServices?, locations: ScoringLocations? = nil) {
        self.services = services
        self.locations = services?.scoringLocations ?? locations
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
        let overwrite = try settings.bool("overwrite") ?? false
        if let locations {
            // The S3 rule needs no I/O, so a job file breaking it is refused as it loads; paths wait for the run.
            for (key, text) in [("input", input), ("output", outputText)] {
                guard let text, ScoringLocations.isS3(text) else { continue }
                do {
                    _ = try locations.checkS3(text, role: key)
                } catch {
                    throw JobSpecError(key: "with.\(key)", message: error.message)
                }
            }
        }
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
        return ScoreRun(
            services: services,
            reference: reference,
            input: input.map { .csv($0) } ?? .sql(sql!),
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

struct ScoreRun: JobRunnable {
    let services: ModelServices?
    let reference: ModelReference
    let input: ModelSpec.DataSource
    let id: String?
    let output: ScoreOutput
    /// Whether an existing output file or object may be replaced.
    let overwrite: Bool

    func run(_ context: RunContext) async throws -> RunOutcome {
        guard let services else { throw JobFailure("score needs the registry (run it under nomaly serve)") }
        // The settings may have changed since the request was taken or the job file loaded, and a symbolic link may
        // have appeared: the locations are checked again, as this replica is configured now.
        let confined = context.job.name == RunStore.apiScoringJob
        var source = input
        if case .csv(let location) = input {
            source = .csv(try await services.scoringLocations.inspect(location, role: "input", confined: confined).location)
        }
        var destination = output
        var existingOutput = false
        if case .file(let location) = output {
            let target = try await services.scoringLocations.inspect(location, role: "output", confined: confined)
            destination = .file(target.location)
            existingOutput = target.exists
        }
        let version = try await services.registry.resolve(reference)
        if case .file(let location) = destination, !overwrite {
            // Refused now rather than after scoring; the final move checks again, for an output that appears meanwhile.
            let exists = if existingOutput { true } else { try await services.objectExists(location) }
            if exists { throw JobFailureError("\(location) already exists and is not replaced without overwrite: true") }
        }
        let model = try await services.cache.model(sha256: version.artifactSha256)
        context.log.append(line: "scoring with \(version.model):\(version.version) (\(reference))")
        let scratch = try ModelServices.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // A local output is written beside its destination and moved into place; tables and S3 get a scratch file.
        let scores: String
        if case .file(let path) = destination, !ScoringLocations.isS3(path) { scores = path } else { scores = scratch + "/scores.csv" }
        let summary = try await score(model, source: source, into: scores, services: services)
        let written: String
        switch destination {
        case .table(let table):
            try await ScoreTableWriter.copy(scores, into: table, runID: context.runID, pool: services.pool)
            written = "table \(table)"
        case .file(let location) where ScoringLocations.isS3(location):
            let object = try ObjectLocation.parse(location, s3: services.s3)
            do {
                if overwrite {
                    try await object.store.put(file: scores, key: object.key, progress: nil)
                } else {
                    try await object.store.putIfAbsent(file: scores, key: object.key, progress: nil)
                }
            } catch let error as ObjectStoreError where error.code == .alreadyExists {
                throw JobFailureError("\(error.message) without overwrite: true")
            }
            written = location
        case .file(let path):
            written = path
        }
        context.log.append(line: "scored \(summary.rows) rows, \(summary.anomalies) anomalies, into \(written)")
        ScoringMetrics.record(model: version.model, rows: summary.rows, anomalies: summary.anomalies, source: "job")
        let report = ScoreReport(
            model: version.model,
            version: version.version,
            reference: reference.description,
            output: written,
            summary: summary
        )
        return RunOutcome(result: try SpecValue(encoding: report))
    }

    /// Scores the input into the CSV file `scores`. An `s3://` input is read as it downloads, never copied to disk.
    private func score(
        _ model: ModelArtifact,
        source: ModelSpec.DataSource,
        into scores: String,
        services: ModelServices
    ) async throws -> ScoringSummary {
        switch source {
        case .csv(let location) where ScoringLocations.isS3(location):
            let download = try await services.openInput(location)
            defer { download.close() }
            return try await BatchScorer.score(
                model,
                request: ScoringRequest(
                    input: location,
                    inputSource: download,
                    output: scores,
                    overwrite: overwrite,
                    idColumn: id,
                    threads: services.threads
                )
            )
        case .csv(let path):
            return try await BatchScorer.score(
                model,
                request: ScoringRequest(input: path, output: scores, overwrite: overwrite, idColumn: id, threads: services.threads)
            )
        case .sql(let query):
            return try await BatchScorer.score(
                model,
                query: query,
                pool: services.pool,
                idColumn: id,
                output: scores,
                overwrite: overwrite,
                threads: services.threads
            )
        }
    }
}

struct ScoreReport: Encodable {
    let model: String
    let version: Int
    let reference: String
    let output: String
    let summary: ScoringSummary
}

import Datasets
import FileSystem
import Foundation
import JSONValues
import Modeling
import ObjectStore
import Postgres
import Registry
import Scheduler

/// One run of a `kind: score` job (or of `api.scoring`): checks its locations as this replica is configured now, then
/// streams the input through the model straight into the output, with nothing staged on local disk: an `s3://` input
/// is read as it downloads, local files are opened by descriptor beneath the folder they were checked in, scores go up
/// to S3 in parts as they are produced, or into a table's COPY, or into a file beside its destination. An output
/// appears only when complete, except a device, FIFO or socket, which is written in place (``FileSystem/OutputFile``).
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
        try await services.afterLocationsChecked?()
        let model = try await services.cache.model(sha256: version.artifactSha256)
        context.log.append(line: "scoring with \(version.model):\(version.version) (\(reference))")
        let files = ScoreFiles(locations: services.scoringLocations, confined: confined)
        let checkedSource = source
        let summary: ScoringSummary
        let written: String
        switch destination {
        case .table(let table):
            written = "table \(table)"
            summary = try await ScoreTableWriter.copy(into: table, runID: context.runID, pool: services.pool) { feed in
                try await score(model, source: checkedSource, into: feed, named: written, files: files, services: services)
            }
        case .file(let location) where ScoringLocations.isS3(location):
            written = location
            let writer = ScoreCSVWriter(sink: ObjectStreamSink(try await services.openOutput(location, replacing: overwrite)), idColumn: id)
            summary = try await score(model, source: source, into: writer, named: location, files: files, services: services)
        case .file(let path):
            written = path
            let (id, overwrite) = (id, overwrite)
            let writer = try await BlockingWork.run {
                ScoreCSVWriter(sink: ScoreFileSink(try files.createOutput(path), replacing: overwrite), idColumn: id)
            }
            summary = try await score(model, source: source, into: writer, named: path, files: files, services: services)
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
        return RunOutcome(result: try JSONValue(encoding: report))
    }

    /// Scores `source` into `destination`, which is discarded if anything fails, here or in the scorer.
    /// - Parameter name: how the summary and messages name the destination.
    private func score(
        _ model: ModelArtifact,
        source: ModelSpec.DataSource,
        into destination: any ScoreDestination,
        named name: String,
        files: ScoreFiles,
        services: ModelServices
    ) async throws -> ScoringSummary {
        var request = ScoringRequest(input: "", output: name, overwrite: overwrite, idColumn: id, threads: services.threads)
        request.destination = destination
        request.maxInputBytes = services.maxInputBytes
        do {
            switch source {
            case .csv(let location) where ScoringLocations.isS3(location):
                let download = try await services.openInput(location)
                defer { download.close() }
                request.input = location
                request.inputSource = download
                let scoring = request
                return try await withTaskCancellationHandler {
                    try await BatchScorer.score(model, request: scoring)
                } onCancel: {
                    download.close()
                }
            case .csv(let path):
                let descriptor = try await BlockingWork.run { try files.openInput(path) }
                defer { close(descriptor) }
                request.input = path
                request.inputDescriptor = descriptor
                return try await BatchScorer.score(model, request: request)
            case .sql(let query):
                return try await BatchScorer.score(
                    model,
                    query: query,
                    pool: services.pool,
                    idColumn: id,
                    destination: destination,
                    threads: services.threads
                )
            }
        } catch {
            // Blocking (an upload is aborted), and on a task of its own: this one may be cancelled.
            await Task { try? await BlockingWork.run { destination.discard() } }.value
            if let error = error as? DatasetError, error.code == .tooLarge {
                throw JobFailureError(
                    "input \(error.source) holds more than NOMALY_SCORING_MAX_INPUT allows (\(services.maxInputBytes) bytes of CSV, "
                        + "counted after decompression); raise the setting or split the input"
                )
            }
            throw error
        }
    }
}

/// Local inputs and outputs of one run, opened by descriptor beneath the folder they were checked in (the scoring
/// folder for API runs, `/` for job files), so that a folder swapped for a symbolic link after the check is not
/// followed.
struct ScoreFiles: Sendable {
    let locations: ScoringLocations
    let confined: Bool

    /// Blocking. - Returns: the open input, owned by the caller.
    func openInput(_ path: String) throws -> Int32 {
        do {
            return try locations.openInput(resolvedPath: path, confined: confined)
        } catch {
            throw JobFailureError("input \(path) cannot be read as it was checked: \(error)")
        }
    }

    /// Creates the output's temporary file beside it, or opens a device or FIFO there in place. Blocking.
    func createOutput(_ path: String) throws -> OutputFile {
        do {
            if !confined, OutputTarget.ownDescriptor(path) != nil { return try OutputFile(path: path, hashing: false) }
            let (folder, name) = try locations.openOutputFolder(resolvedPath: path, confined: confined)
            return try OutputFile(in: folder, name: name, hashing: false)
        } catch {
            throw JobFailureError("output \(path) cannot be written as it was checked: \(error)")
        }
    }
}

/// A scores CSV uploaded to S3 as it is written (``ObjectStore/ObjectWriteStream``).
final class ObjectStreamSink: ScoreByteSink {
    let stream: ObjectWriteStream

    init(_ stream: ObjectWriteStream) { self.stream = stream }

    func write(_ bytes: UnsafeRawBufferPointer) throws { try stream.write(bytes) }

    func commit() throws {
        do {
            try stream.finish()
        } catch let error as ObjectStoreError where error.code == .alreadyExists {
            throw JobFailureError("\(error.message) without overwrite: true")
        }
    }

    func discard() { stream.abort() }
}

package import Datasets
package import Detectors
import FileSystem
import Foundation
package import Postgres
import Synchronization

/// How to score a CSV file with a model.
package struct ScoringRequest: Sendable {
    /// The file to read, or the name errors give ``inputSource`` or ``inputDescriptor``.
    package var input: String
    /// Bytes to read instead of the file `input` (an object as it downloads).
    package var inputSource: (any ByteSource)?
    /// An open regular file to read instead of opening `input` by path (one opened beneath a folder by descriptor).
    /// The caller keeps it open until scoring returns, and closes it.
    package var inputDescriptor: Int32?
    /// The most bytes of CSV to read, counted after decompression; nil for no limit.
    package var maxInputBytes: Int64?
    /// A file path, or `-` for standard output; the name of ``destination`` when one is given.
    package var output: String
    /// Where the scores go instead of the file `output` (an object uploaded as it is written, a table).
    package var destination: (any ScoreDestination)?
    /// Whether an existing output file may be replaced; when false, the run fails instead (checked as the file
    /// moves into place, so a file that appears meanwhile is kept too).
    package var overwrite: Bool
    package var format: CSVFormat
    /// A column copied from input to output so that rows can be joined back.
    package var idColumn: String?
    /// A column of 1/0 labels: the summary then carries ROC-AUC and PR-AUC of this run.
    package var labelColumn: String?
    /// Overrides the model's training policy for missing cells.
    package var missing: MissingValuePolicy?
    package var threads: Int
    /// Rows parsed, scored and written at a time: memory stays bounded by this whatever the input size.
    package var chunkRows: Int

    package init(
        input: String,
        inputSource: (any ByteSource)? = nil,
        output: String,
        overwrite: Bool = true,
        format: CSVFormat = .init(),
        idColumn: String? = nil,
        labelColumn: String? = nil,
        missing: MissingValuePolicy? = nil,
        threads: Int = 1,
        chunkRows: Int = 65_536
    ) {
        self.input = input
        self.inputSource = inputSource
        self.output = output
        self.overwrite = overwrite
        self.format = format
        self.idColumn = idColumn
        self.labelColumn = labelColumn
        self.missing = missing
        self.threads = threads
        self.chunkRows = chunkRows
    }
}

/// What a scoring run did.
package struct ScoringSummary: Codable, Sendable, Equatable {
    package var rows: Int
    package var skippedRows: Int
    package var anomalies: Int
    package var threshold: Double
    /// Count, min, max and mean are exact; quantiles, ROC-AUC and PR-AUC are exact up to
    /// 1,048,576 rows and estimated from a uniform sample of that size beyond (`scores_exact`).
    package var scores: ScoreSummary?
    package var scoresExact: Bool
}

/// Streams a CSV through a model into a scores CSV, one output line per scored row in input order.
///
/// Rows flow in chunks of ``ScoringRequest/chunkRows``: a file of any size is scored in bounded memory. With
/// more than one thread the next chunk is parsed on a thread of its own while the current one is scored.
///
/// Scores go straight to their destination as chunks are scored; cancelling the task stops the run at the next chunk
/// and discards what was written, so a cancelled run leaves no output.
package enum BatchScorer {
    package static func score(_ model: ModelArtifact, request: ScoringRequest) async throws -> ScoringSummary {
        let cancellation = ScoringCancellation()
        return try await withTaskCancellationHandler {
            try await BlockingWork.run { try scoreBlocking(model, request: request, cancellation: cancellation) }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Blocking.
    static func scoreBlocking(_ model: ModelArtifact, request: ScoringRequest, cancellation: ScoringCancellation) throws -> ScoringSummary {
        let manifest = model.manifest
        let missing = request.missing ?? MissingValuePolicy(rawValue: manifest.missingValues) ?? .error
        let selection = ColumnSelection(features: manifest.featureNames, id: request.idColumn, label: request.labelColumn)
        let medians = manifest.features.map(\.median)
        let (format, limit) = (request.format, request.maxInputBytes)
        let source =
            if let bytes = request.inputSource {
                try CSVFileSource(
                    source: bytes,
                    name: request.input,
                    format: format,
                    selection: selection,
                    missing: missing,
                    medians: medians,
                    maxBytes: limit
                )
            } else if let descriptor = request.inputDescriptor {
                try CSVFileSource(
                    descriptor: descriptor,
                    name: request.input,
                    format: format,
                    selection: selection,
                    missing: missing,
                    medians: medians,
                    maxBytes: limit
                )
            } else {
                try CSVFileSource(path: request.input, format: format, selection: selection, missing: missing, medians: medians, maxBytes: limit)
            }
        let prefetcher = request.threads > 1 ? ChunkPrefetcher { try source.nextChunk(maxRows: request.chunkRows) } : nil
        defer { prefetcher?.stop() }
        let nextChunk: () throws -> RowChunk? =
            prefetcher.map { prefetcher in { try prefetcher.next() } } ?? {
                try source.nextChunk(maxRows: request.chunkRows)
            }
        let destination =
            try request.destination
            ?? ScoreCSVWriter(path: request.output, idColumn: request.idColumn, delimiter: request.format.delimiter, replacing: request.overwrite)
        let sink = ScoreSink(model, destination: destination, threads: request.threads, cancellation: cancellation)
        do {
            while let chunk = try nextChunk() { try sink.consume(chunk) }
            return try sink.finish(skippedRows: source.rowsSkipped)
        } catch {
            sink.discard()
            throw error
        }
    }
}

extension BatchScorer {
    /// Scores a query's rows, streamed through `COPY … TO STDOUT` in chunks, into `destination`. Each chunk is scored
    /// and handed over on the blocking pool, since a destination may block.
    package static func score(
        _ model: ModelArtifact,
        query: String,
        pool: PostgresPool,
        idColumn: String?,
        destination: any ScoreDestination,
        threads: Int,
        chunkRows: Int = 65_536
    ) async throws -> ScoringSummary {
        let manifest = model.manifest
        let missing = MissingValuePolicy(rawValue: manifest.missingValues) ?? .error
        let source = SQLSource(
            query: query,
            pool: pool,
            selection: ColumnSelection(features: manifest.featureNames, id: idColumn),
            missing: missing,
            medians: manifest.features.map(\.median)
        )
        let sink = ScoreSink(model, destination: destination, threads: threads, cancellation: ScoringCancellation())
        do {
            let summary = try await source.read(maxRows: chunkRows) { chunk, _ in try await BlockingWork.run { try sink.consume(chunk) } }
            return try await BlockingWork.run { try sink.finish(skippedRows: summary.rowsSkipped) }
        } catch {
            await Task { try? await BlockingWork.run { sink.discard() } }.value
            throw error
        }
    }
}

/// Set when the task scoring on the blocking pool is cancelled; the scoring stops at its next chunk.
final class ScoringCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    func cancel() { flag.store(true, ordering: .relaxed) }

    func check() throws { if flag.load(ordering: .relaxed) { throw CancellationError() } }
}

/// Where scored chunks go, whatever their source: the destination, the anomaly count and the summary sample.
///
/// Invariant: one user at a time (a scoring thread, or one chunk's thread after another).
final class ScoreSink: @unchecked Sendable {
    let model: ModelArtifact
    let destination: any ScoreDestination
    let threshold: Double
    let threads: Int
    let cancellation: ScoringCancellation
    var scores: [Double] = []
    var reservoir = ScoreReservoir()
    var anomalies = 0

    init(_ model: ModelArtifact, destination: any ScoreDestination, threads: Int, cancellation: ScoringCancellation) {
        self.model = model
        self.destination = destination
        threshold = model.manifest.threshold.value
        self.threads = threads
        self.cancellation = cancellation
    }

    func consume(_ chunk: RowChunk) throws {
        try cancellation.check()
        // Take the buffer out of self (no copy) so the closures below may update the counters.
        var buffer = scores
        scores = []
        defer { scores = buffer }
        if buffer.count < chunk.rowCount { buffer = [Double](repeating: 0, count: chunk.rowCount) }
        let threshold = threshold
        try chunk.features.withUnsafeBufferPointer { rows in
            try buffer.withUnsafeMutableBufferPointer { all in
                let out = UnsafeMutableBufferPointer(rebasing: all[0..<chunk.rowCount])
                model.detector.score(rows: rows, into: out, threads: threads)
                for score in out where score > threshold { anomalies += 1 }
                reservoir.add(UnsafeBufferPointer(out), labels: chunk.labels)
                try destination.write(scores: UnsafeBufferPointer(out), ids: chunk.ids, threshold: threshold)
            }
        }
    }

    func finish(skippedRows: Int) throws -> ScoringSummary {
        try cancellation.check()
        try destination.commit()
        return ScoringSummary(
            rows: reservoir.seen,
            skippedRows: skippedRows,
            anomalies: anomalies,
            threshold: threshold,
            scores: reservoir.summary(),
            scoresExact: reservoir.isExact
        )
    }

    func discard() { destination.discard() }
}

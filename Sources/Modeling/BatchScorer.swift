public import Datasets
public import Detectors
import FileSystem
import Foundation
public import Postgres

/// How to score a CSV file with a model.
public struct ScoringRequest: Sendable {
    /// The file to read, or the name errors give ``inputSource``.
    public var input: String
    /// Bytes to read instead of the file `input` (an object as it downloads).
    public var inputSource: (any ByteSource)?
    /// A file path, or `-` for standard output.
    public var output: String
    /// Whether an existing output file may be replaced; when false, the run fails instead (checked as the file
    /// moves into place, so a file that appears meanwhile is kept too).
    public var overwrite: Bool
    public var format: CSVFormat
    /// A column copied from input to output so that rows can be joined back.
    public var idColumn: String?
    /// A column of 1/0 labels: the summary then carries ROC-AUC and PR-AUC of this run.
    public var labelColumn: String?
    /// Overrides the model's training policy for missing cells.
    public var missing: MissingValuePolicy?
    public var threads: Int
    /// Rows parsed, scored and written at a time: memory stays bounded by this whatever the input size.
    public var chunkRows: Int

    public init(
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
public struct ScoringSummary: Codable, Sendable, Equatable {
    public var rows: Int
    public var skippedRows: Int
    public var anomalies: Int
    public var threshold: Double
    /// Count, min, max and mean are exact; quantiles, ROC-AUC and PR-AUC are exact up to
    /// 1,048,576 rows and estimated from a uniform sample of that size beyond (`scores_exact`).
    public var scores: ScoreSummary?
    public var scoresExact: Bool
}

/// Streams a CSV through a model into a scores CSV, one output line per scored row in input order.
///
/// Rows flow in chunks of ``ScoringRequest/chunkRows``: a file of any size is scored in bounded memory. With
/// more than one thread the next chunk is parsed on a thread of its own while the current one is scored.
public enum BatchScorer {
    public static func score(_ model: ModelArtifact, request: ScoringRequest) async throws -> ScoringSummary {
        try await BlockingWork.run { try scoreBlocking(model, request: request) }
    }

    /// Blocking.
    static func scoreBlocking(_ model: ModelArtifact, request: ScoringRequest) throws -> ScoringSummary {
        let manifest = model.manifest
        let missing = request.missing ?? MissingValuePolicy(rawValue: manifest.missingValues) ?? .error
        let selection = ColumnSelection(features: manifest.featureNames, id: request.idColumn, label: request.labelColumn)
        let medians = manifest.features.map(\.median)
        let source =
            if let bytes = request.inputSource {
                try CSVFileSource(
                    source: bytes,
                    name: request.input,
                    format: request.format,
                    selection: selection,
                    missing: missing,
                    medians: medians
                )
            } else {
                try CSVFileSource(path: request.input, format: request.format, selection: selection, missing: missing, medians: medians)
            }
        let prefetcher = request.threads > 1 ? ChunkPrefetcher { try source.nextChunk(maxRows: request.chunkRows) } : nil
        defer { prefetcher?.stop() }
        let nextChunk: () throws -> RowChunk? =
            prefetcher.map { prefetcher in { try prefetcher.next() } } ?? {
                try source.nextChunk(maxRows: request.chunkRows)
            }
        var sink = try ScoreSink(
            model,
            output: request.output,
            overwrite: request.overwrite,
            idColumn: request.idColumn,
            delimiter: request.format.delimiter,
            threads: request.threads
        )
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
    /// Scores a query's rows, streamed through `COPY … TO STDOUT` in chunks, into a scores CSV at `output`.
    public static func score(
        _ model: ModelArtifact,
        query: String,
        pool: PostgresPool,
        idColumn: String?,
        output: String,
        overwrite: Bool = true,
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
        var sink = try ScoreSink(model, output: output, overwrite: overwrite, idColumn: idColumn, delimiter: UInt8(ascii: ","), threads: threads)
        do {
            let summary = try await source.read(maxRows: chunkRows) { chunk, _ in try sink.consume(chunk) }
            return try sink.finish(skippedRows: summary.rowsSkipped)
        } catch {
            sink.discard()
            throw error
        }
    }
}

/// Where scored chunks go, whatever their source: the scores CSV, the anomaly count and the summary sample.
struct ScoreSink {
    let model: ModelArtifact
    let writer: ScoreCSVWriter
    let threshold: Double
    let threads: Int
    var scores: [Double] = []
    var reservoir = ScoreReservoir()
    var anomalies = 0

    init(_ model: ModelArtifact, output: String, overwrite: Bool, idColumn: String?, delimiter: UInt8, threads: Int) throws {
        self.model = model
        writer = try ScoreCSVWriter(path: output, idColumn: idColumn, delimiter: delimiter, replacing: overwrite)
        threshold = model.manifest.threshold.value
        self.threads = threads
    }

    mutating func consume(_ chunk: RowChunk) throws {
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
                try writer.write(scores: UnsafeBufferPointer(out), ids: chunk.ids, threshold: threshold)
            }
        }
    }

    func finish(skippedRows: Int) throws -> ScoringSummary {
        try writer.commit()
        return ScoringSummary(
            rows: reservoir.seen,
            skippedRows: skippedRows,
            anomalies: anomalies,
            threshold: threshold,
            scores: reservoir.summary(),
            scoresExact: reservoir.isExact
        )
    }

    func discard() { writer.discard() }
}

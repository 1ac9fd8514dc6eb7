public import Datasets
public import Detectors
import Foundation
import NIOPosix

/// How to score a CSV file with a model.
public struct ScoringRequest: Sendable {
    public var input: String
    /// A file path, or `-` for standard output.
    public var output: String
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
        output: String,
        format: CSVFormat = .init(),
        idColumn: String? = nil,
        labelColumn: String? = nil,
        missing: MissingValuePolicy? = nil,
        threads: Int = 1,
        chunkRows: Int = 65_536
    ) {
        self.input = input
        self.output = output
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
        try await NIOThreadPool.singleton.runIfActive { try scoreBlocking(model, request: request) }
    }

    /// Blocking.
    static func scoreBlocking(_ model: ModelArtifact, request: ScoringRequest) throws -> ScoringSummary {
        let manifest = model.manifest
        let missing = request.missing ?? MissingValuePolicy(rawValue: manifest.missingValues) ?? .error
        let source = try CSVFileSource(
            path: request.input,
            format: request.format,
            selection: ColumnSelection(features: manifest.featureNames, id: request.idColumn, label: request.labelColumn),
            missing: missing,
            medians: manifest.features.map(\.median)
        )
        let prefetcher = request.threads > 1 ? ChunkPrefetcher { try source.nextChunk(maxRows: request.chunkRows) } : nil
        defer { prefetcher?.stop() }
        let nextChunk: () throws -> RowChunk? =
            prefetcher.map { prefetcher in { try prefetcher.next() } } ?? {
                try source.nextChunk(maxRows: request.chunkRows)
            }
        let writer = try ScoreCSVWriter(path: request.output, idColumn: request.idColumn, delimiter: request.format.delimiter)
        var scores = [Double](repeating: 0, count: request.chunkRows)
        var reservoir = ScoreReservoir()
        var anomalies = 0
        let threshold = manifest.threshold.value
        do {
            while let chunk = try nextChunk() {
                try chunk.features.withUnsafeBufferPointer { rows in
                    try scores.withUnsafeMutableBufferPointer { all in
                        let out = UnsafeMutableBufferPointer(rebasing: all[0..<chunk.rowCount])
                        model.detector.score(rows: rows, into: out, threads: request.threads)
                        for score in out where score > threshold { anomalies += 1 }
                        reservoir.add(UnsafeBufferPointer(out), labels: chunk.labels)
                        try writer.write(scores: UnsafeBufferPointer(out), ids: chunk.ids, threshold: threshold)
                    }
                }
            }
            try writer.commit()
        } catch {
            writer.discard()
            throw error
        }
        return ScoringSummary(
            rows: reservoir.seen,
            skippedRows: source.rowsSkipped,
            anomalies: anomalies,
            threshold: threshold,
            scores: reservoir.summary(),
            scoresExact: reservoir.isExact
        )
    }
}

import Foundation
import Modeling
import Postgres

/// Scored rows on their way into `COPY table (run_id, row_key, score, is_anomaly) FROM STDIN` as they are scored, so
/// that nothing is staged on disk however many rows an input holds.
///
/// The scorer (a thread that may block) hands over each chunk's rows and waits while two chunks are queued; the run's
/// task appends them to the COPY. All rows go in one COPY statement, so they appear together when the run succeeds
/// and not at all when it fails: a failure on either side aborts the statement. The statement, and its connection,
/// stay open while the input is scored.
///
/// ```swift
/// let summary = try await ScoreTableWriter.copy(into: "anomaly_scores", runID: runID, pool: pool) { feed in
///     try await BatchScorer.score(model, request: ScoringRequest(input: path, output: "table anomaly_scores", destination: feed))
/// }
/// ```
///
/// Invariant: one producer (the scorer) calls ``write(scores:ids:threshold:)``, ``commit()`` and ``discard()``; one
/// consumer (the COPY) calls ``next()``; shared state is guarded by `condition`.
final class ScoreTableWriter: ScoreDestination, @unchecked Sendable {
    /// One chunk's rows.
    struct Batch: Sendable {
        let ids: [String]
        let scores: [Double]
        let threshold: Double
    }

    private let condition = NSCondition()
    private var queued: [Batch] = []
    private var waiting: CheckedContinuation<Batch?, any Error>?
    private var ended = false
    private var failure: (any Error)?
    private static let depth = 2

    /// Opens the COPY and runs `score` with a writer feeding it; the rows are committed when `score` returns and the
    /// COPY accepted them all.
    /// - Returns: what `score` returned.
    /// - Throws: the scorer's error first (it says more than the COPY's echo of it), else the COPY's.
    static func copy(
        into table: String,
        runID: Int64,
        pool: PostgresPool,
        _ score: @escaping @Sendable (ScoreTableWriter) async throws -> ScoringSummary
    ) async throws -> ScoringSummary {
        let feed = ScoreTableWriter()
        return try await pool.withConnection { connection in
            var summary: ScoringSummary?
            try await connection.copyFrom(table: table, columns: ["run_id", "row_key", "score", "is_anomaly"]) { writer in
                async let scored = score(feed)
                do {
                    while let batch = try await feed.next() {
                        for row in batch.scores.indices {
                            try await writer.append([runID, batch.ids[row], batch.scores[row], batch.scores[row] > batch.threshold])
                        }
                    }
                } catch {
                    feed.fail(error)
                    _ = try await scored
                    throw error
                }
                summary = try await scored
            }
            return summary!
        }
    }

    // MARK: The scorer's side

    func write(scores: UnsafeBufferPointer<Double>, ids: [String]?, threshold: Double) throws {
        guard let ids else { throw JobFailureError("table output needs id: COLUMN (stored as row_key)") }
        let batch = Batch(ids: ids, scores: Array(scores), threshold: threshold)
        let consumer: CheckedContinuation<Batch?, any Error>? = try condition.withLock {
            while queued.count >= Self.depth && failure == nil { condition.wait() }
            if let failure { throw failure }
            if let waiting {
                self.waiting = nil
                return waiting
            }
            queued.append(batch)
            return nil
        }
        consumer?.resume(returning: batch)
    }

    /// No more rows: the COPY ends, and commits, once it took them all.
    func commit() throws {
        let consumer: CheckedContinuation<Batch?, any Error>? = try condition.withLock {
            if let failure { throw failure }
            ended = true
            defer { waiting = nil }
            return waiting
        }
        consumer?.resume(returning: nil)
    }

    /// The scorer failed: the COPY is aborted.
    func discard() { fail(CancellationError()) }

    // MARK: The COPY's side

    /// The next chunk's rows; nil once the scorer committed. - Throws: when the scorer discarded.
    func next() async throws -> Batch? {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Batch?, any Error>? = condition.withLock {
                if let failure { return .failure(failure) }
                if !queued.isEmpty {
                    condition.broadcast()
                    return .success(queued.removeFirst())
                }
                if ended { return .success(nil) }
                waiting = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// The COPY failed (or the scorer did): the other side stops at its next step.
    func fail(_ error: any Error) {
        let consumer: CheckedContinuation<Batch?, any Error>? = condition.withLock {
            failure = failure ?? error
            condition.broadcast()
            defer { waiting = nil }
            return waiting
        }
        consumer?.resume(throwing: error)
    }
}

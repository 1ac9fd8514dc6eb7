/// A fitted, immutable anomaly detector: scores rows of features, higher meaning more anomalous.
///
/// Detectors are values that can be shared across threads and scored concurrently. Fitting is a static
/// function of each detector type; persisting one is ``DetectorCodec``'s job.
package protocol AnomalyDetector: Sendable {
    /// The stable name used in CLI flags, manifests and the registry: `isolation-forest`, `ecod`.
    static var algorithm: String { get }

    /// How many features each row must have.
    var featureCount: Int { get }

    /// Scores `scores.count` rows stored row-major in `rows` (`rows.count == scores.count * featureCount`),
    /// writing one score per row. Runs on the calling thread; ``AnomalyDetector/score(_:threads:)`` splits
    /// a matrix across threads.
    func score(rows: UnsafeBufferPointer<Double>, into scores: UnsafeMutableBufferPointer<Double>)
}

/// What a scoring run found, in the shape the CLI writes to `metrics.json`.
///
/// ```swift
/// let summary = ScoreSummary(scores: scores, labels: labels)
/// let json = try JSONEncoder().encode(summary)
/// ```
package struct ScoreSummary: Codable, Sendable, Equatable {
    /// How many scores were summarised.
    package var count: Int
    package var min: Double
    package var max: Double
    package var mean: Double
    /// The median and the 90th and 99th percentiles, interpolated as ``Evaluation/quantiles(_:at:)``.
    package var p50: Double
    package var p90: Double
    package var p99: Double
    /// Present when labels were given and hold both classes.
    package var rocAUC: Double?
    /// Present when labels were given and hold at least one anomaly.
    package var averagePrecision: Double?

    // `rocAuc` so that snake_case coding round-trips: `rocAUC` would encode as `roc_auc` but decode from
    // `roc_auc` as `rocAuc`, and a stored summary would lose its ROC-AUC when read back.
    enum CodingKeys: String, CodingKey {
        case count, min, max, mean, p50, p90, p99, averagePrecision
        case rocAUC = "rocAuc"
    }

    /// Summarises `scores`, and their ranking quality when `labels` (true = anomaly) are known.
    ///
    /// An empty `scores` gives a count of 0 and zeros elsewhere, since JSON has no NaN.
    ///
    /// - Precondition: `labels`, when given, has one label per score.
    package init(scores: [Double], labels: [Bool]? = nil) {
        precondition(labels == nil || labels?.count == scores.count, "one label per score")
        count = scores.count
        guard !scores.isEmpty else {
            (min, max, mean, p50, p90, p99) = (0, 0, 0, 0, 0, 0)
            return
        }
        min = scores.min()!
        max = scores.max()!
        mean = scores.reduce(0, +) / Double(scores.count)
        let q = Evaluation.quantiles(scores, at: [0.5, 0.9, 0.99])
        (p50, p90, p99) = (q[0], q[1], q[2])
        if let labels {
            rocAUC = Evaluation.rocAUC(scores: scores, labels: labels)
            averagePrecision = Evaluation.averagePrecision(scores: scores, labels: labels)
        }
    }
}

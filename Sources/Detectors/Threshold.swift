/// The score above which a row is called an anomaly.
///
/// ```swift
/// let threshold = try Threshold.contamination(0.05, trainingScores: scores)
/// threshold.isAnomaly(0.71) // true when 0.71 > threshold.value
/// ```
package struct Threshold: Sendable, Equatable, Codable {
    /// Scores strictly above this are anomalies.
    package let value: Double

    package init(value: Double) {
        self.value = value
    }

    /// Whether `score` is an anomaly: strictly above the threshold, as PyOD's `score > threshold_`.
    /// A NaN score is never an anomaly.
    package func isAnomaly(_ score: Double) -> Bool {
        score > value
    }

    /// The threshold that flags the fraction `rate` of the training rows: the (1 − rate) quantile of
    /// `trainingScores` with linear interpolation, as PyOD's `percentile(scores, 100 * (1 - contamination))`.
    ///
    /// - Parameters:
    ///   - rate: The expected share of anomalies, in (0, 0.5].
    ///   - trainingScores: The detector's scores of its own training rows.
    /// - Throws: ``DetectorError/Code/invalidParameter`` for a rate outside (0, 0.5];
    ///   ``DetectorError/Code/emptyInput`` without scores; ``DetectorError/Code/nonFinite`` for a NaN score.
    package static func contamination(_ rate: Double, trainingScores: [Double]) throws -> Threshold {
        guard rate > 0, rate <= 0.5 else {
            throw DetectorError(
                code: .invalidParameter,
                message: "the contamination rate must be above 0 and at most 0.5 (the share of rows expected to be anomalies), not \(rate)"
            )
        }
        guard !trainingScores.isEmpty else {
            throw DetectorError(code: .emptyInput, message: "cannot derive a contamination threshold without training scores")
        }
        guard !trainingScores.contains(where: \.isNaN) else {
            throw DetectorError(code: .nonFinite, message: "cannot derive a contamination threshold: a training score is NaN")
        }
        // Through a percentage and back, as PyOD computes it, so the probability matches to the last bit.
        let probability = (100 * (1 - rate)) / 100
        return Threshold(value: Evaluation.quantiles(trainingScores, at: [probability])[0])
    }

    /// The threshold each algorithm uses when none is configured: 0.5 for an isolation forest (scikit-learn's
    /// `contamination="auto"`, the score of a row no easier to isolate than average); for ECOD and any other
    /// detector, a contamination of 0.1 (PyOD's default) over `trainingScores`.
    ///
    /// - Throws: As ``contamination(_:trainingScores:)`` when the default depends on the training scores.
    package static func defaultThreshold(for detector: any AnomalyDetector, trainingScores: [Double]) throws -> Threshold {
        if detector is IsolationForest {
            return Threshold(value: 0.5)
        }
        return try contamination(0.1, trainingScores: trainingScores)
    }
}

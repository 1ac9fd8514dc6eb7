/// ECOD, Empirical-Cumulative-distribution-based Outlier Detection (Li et al. 2022), as PyOD's `ECOD`
/// except that new rows are scored against the training distribution alone.
///
/// Per feature, a value's left-tail probability F_l(x) = (#train ≤ x + 1)/(n + 1) and right-tail
/// probability F_r(x) = (#train ≥ x + 1)/(n + 1) count the scored value as if it had joined the n training
/// values, so neither is ever 0. With U_l = −ln F_l and U_r = −ln F_r, the feature's skewness sign s picks
/// U_skew = U_l·(−sign(s − 1)) + U_r·sign(s + 1); the feature contributes max(U_l, U_r, U_skew), and the
/// score is the sum over features: 0 for nothing unusual, growing without bound for extreme rows.
///
/// PyOD instead re-ranks the training and scored rows together, so a row's score depends on the batch it
/// arrived in; here it does not, and scoring a chunk at a time gives the same scores as scoring all at once.
///
/// ```swift
/// let ecod = try ECOD.fit(matrix)
/// let scores = ecod.score(matrix, threads: 2)
/// ```
///
/// Each feature keeps its sorted distinct training values with cumulative counts. A feature with more than
/// ``maximumKnots`` distinct values keeps that many evenly spaced (by rank) with exact counts, and counts
/// between two kept values are interpolated linearly in x: exact at the kept values, approximate between
/// them. A NaN feature value contributes 0.
package struct ECOD: AnomalyDetector, Equatable {
    package static let algorithm = "ecod"

    /// The most distinct values kept per feature.
    package static let maximumKnots = 65_536

    /// How many features each row must have.
    package let featureCount: Int
    /// n, the number of training rows.
    package let trainingCount: Int

    // Feature f's knots are knotValues[knotStarts[f]..<knotStarts[f + 1]], strictly increasing, with
    // countsBelow (#train < value) and countsAtOrBelow (#train <= value) alongside.
    let knotStarts: [Int]
    let knotValues: [Double]
    let countsBelow: [Int]
    let countsAtOrBelow: [Int]
    /// The sign (−1, 0 or 1) of each feature's biased sample skewness; 0 for a constant feature.
    let skewnessSigns: [Int8]
    /// Every ``guideStride``-th knot of each feature, derived: feature f's at
    /// guideValues[guideStarts[f]..<guideStarts[f + 1]]. See ECOD+Search.swift.
    let guideStarts: [Int]
    let guideValues: [Double]

    init(
        featureCount: Int,
        trainingCount: Int,
        knotStarts: [Int],
        knotValues: [Double],
        countsBelow: [Int],
        countsAtOrBelow: [Int],
        skewnessSigns: [Int8]
    ) {
        self.featureCount = featureCount
        self.trainingCount = trainingCount
        self.knotStarts = knotStarts
        self.knotValues = knotValues
        self.countsBelow = countsBelow
        self.countsAtOrBelow = countsAtOrBelow
        self.skewnessSigns = skewnessSigns
        (guideStarts, guideValues) = Self.guides(knotStarts: knotStarts, knotValues: knotValues)
    }

    /// Scores rows on the calling thread; see ``AnomalyDetector/score(rows:into:)``.
    package func score(rows: UnsafeBufferPointer<Double>, into scores: UnsafeMutableBufferPointer<Double>) {
        precondition(
            rows.count == scores.count * featureCount,
            "\(rows.count) values are not \(scores.count) rows of \(featureCount) features"
        )
        let n = Double(trainingCount)
        knotValues.withUnsafeBufferPointer { values in
            countsBelow.withUnsafeBufferPointer { below in
                countsAtOrBelow.withUnsafeBufferPointer { atOrBelow in
                    guideValues.withUnsafeBufferPointer { guideValues in
                        for row in 0..<scores.count {
                            // Σ −ln p over features is −ln Π p: multiply, and take a logarithm only when the
                            // product nears the bottom of the double range (each p is at least 1/(n + 1)²).
                            var total = 0.0
                            var product = 1.0
                            for feature in 0..<featureCount {
                                let x = rows[row * featureCount + feature]
                                if x.isNaN { continue }
                                let knots = knotStarts[feature]..<knotStarts[feature + 1]
                                let (lessOrEqual, less) = Self.counts(
                                    of: x,
                                    values: UnsafeBufferPointer(rebasing: values[knots]),
                                    below: UnsafeBufferPointer(rebasing: below[knots]),
                                    atOrBelow: UnsafeBufferPointer(rebasing: atOrBelow[knots]),
                                    guide: UnsafeBufferPointer(rebasing: guideValues[guideStarts[feature]..<guideStarts[feature + 1]])
                                )
                                product *= Self.tailProbability(
                                    left: (lessOrEqual + 1) / (n + 1),
                                    right: (n - less + 1) / (n + 1),
                                    skewnessSign: skewnessSigns[feature]
                                )
                                if product < 0x1p-800 {
                                    total -= naturalLog(product)
                                    product = 1
                                }
                            }
                            scores[row] = total - naturalLog(product)
                        }
                    }
                }
            }
        }
    }

    /// The p with −ln p = max(U_l, U_r, U_skew), where U_l = −ln F_l, U_r = −ln F_r and
    /// U_skew = U_l·(−sign(s − 1)) + U_r·sign(s + 1).
    ///
    /// For s = ±1, U_skew is U_r or U_l, so the maximum is −ln min(F_l, F_r). For s = 0 (symmetric or
    /// constant), U_skew = U_l + U_r, which is at least either since both are ≥ 0: −ln(F_l·F_r).
    static func tailProbability(left: Double, right: Double, skewnessSign s: Int8) -> Double {
        s == 0 ? left * right : min(left, right)
    }
}

/// Ranking quality of scores against known labels, and score quantiles.
package enum Evaluation {
    /// The area under the ROC curve: the probability that a random anomaly (`true`) scores above a random
    /// normal row, ties counting half (Mann–Whitney U with average ranks), as scikit-learn's `roc_auc_score`.
    ///
    /// ```swift
    /// Evaluation.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) // 0.75
    /// ```
    ///
    /// - Returns: nil when the labels hold only one class, the counts differ, or a score is NaN.
    package static func rocAUC(scores: [Double], labels: [Bool]) -> Double? {
        guard scores.count == labels.count, !scores.contains(where: \.isNaN) else { return nil }
        let positives = labels.count { $0 }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Sum of the positives' ranks (1-based), each group of tied scores sharing its average rank.
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + 1 + end) / 2
            for position in start..<end where labels[order[position]] {
                positiveRankSum += averageRank
            }
            start = end
        }
        let p = Double(positives)
        let u = positiveRankSum - p * (p + 1) / 2
        return u / (p * Double(negatives))
    }

    /// Average precision, exactly as scikit-learn's `average_precision_score`: Σₙ (Rₙ − Rₙ₋₁) Pₙ over the
    /// distinct scores taken as thresholds from the highest down, without interpolation.
    ///
    /// ```swift
    /// Evaluation.averagePrecision(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) // 0.8333…
    /// ```
    ///
    /// - Returns: nil without any anomaly (`true`) label, when the counts differ, or when a score is NaN.
    package static func averagePrecision(scores: [Double], labels: [Bool]) -> Double? {
        guard scores.count == labels.count, !scores.contains(where: \.isNaN) else { return nil }
        let positives = labels.count { $0 }
        guard positives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0
        var seen = 0
        var previousRecall = 0.0
        var sum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end < order.count && scores[order[end]] == scores[order[start]] {
                if labels[order[end]] { truePositives += 1 }
                end += 1
            }
            seen = end
            let recall = Double(truePositives) / Double(positives)
            let precision = Double(truePositives) / Double(seen)
            sum += (recall - previousRecall) * precision
            previousRecall = recall
            start = end
        }
        return sum
    }

    /// Quantiles of `scores` at each probability in `probabilities` (clamped to [0, 1]), interpolating
    /// linearly between order statistics as numpy's default `quantile` method.
    ///
    /// ```swift
    /// Evaluation.quantiles([1, 2, 3, 4], at: [0.5, 0.9]) // [2.5, 3.7]
    /// ```
    ///
    /// - Returns: One value per probability; NaN for each when `scores` is empty.
    package static func quantiles(_ scores: [Double], at probabilities: [Double]) -> [Double] {
        guard !scores.isEmpty else { return probabilities.map { _ in .nan } }
        let sorted = scores.sorted()
        return probabilities.map { probability in
            let position = min(max(probability, 0), 1) * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down))
            let upper = min(lower + 1, sorted.count - 1)
            return lerp(sorted[lower], sorted[upper], position - Double(lower))
        }
    }

    /// numpy's `_lerp`: from the nearer end, so the result is exact at both ends and monotone in t.
    private static func lerp(_ a: Double, _ b: Double, _ t: Double) -> Double {
        let difference = b - a
        return t >= 0.5 ? b - difference * (1 - t) : a + difference * t
    }
}

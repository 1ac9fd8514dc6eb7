extension ECOD {
    /// Learns each feature's empirical distribution and skewness from `matrix`.
    ///
    /// ```swift
    /// let ecod = try ECOD.fit(matrix, threads: 2)
    /// ```
    ///
    /// - Parameters:
    ///   - matrix: The training rows; every value must be finite.
    ///   - threads: How many threads sort features; the result does not depend on it.
    /// - Throws: ``DetectorError`` with ``DetectorError/Code/emptyInput`` or ``DetectorError/Code/nonFinite``.
    package static func fit(_ matrix: FeatureMatrix, threads: Int = 1) throws -> ECOD {
        try FeatureMatrix.validateTraining(matrix)
        var columns = [FeatureDistribution?](repeating: nil, count: matrix.columnCount)
        columns.withUnsafeMutableBufferPointer { output in
            ParallelWork.forEachRange(count: matrix.columnCount, chunk: 1, threads: threads) { features in
                for feature in features {
                    output[feature] = FeatureDistribution(matrix: matrix, feature: feature)
                }
            }
        }
        var starts = [0]
        var values: [Double] = []
        var below: [Int] = []
        var atOrBelow: [Int] = []
        var signs: [Int8] = []
        for case let column? in columns {
            values += column.values
            below += column.below
            atOrBelow += column.atOrBelow
            signs.append(column.skewnessSign)
            starts.append(values.count)
        }
        return ECOD(
            featureCount: matrix.columnCount,
            trainingCount: matrix.rowCount,
            knotStarts: starts,
            knotValues: values,
            countsBelow: below,
            countsAtOrBelow: atOrBelow,
            skewnessSigns: signs
        )
    }
}

/// One feature's knots and skewness sign.
private struct FeatureDistribution {
    var values: [Double] = []
    var below: [Int] = []
    var atOrBelow: [Int] = []
    var skewnessSign: Int8

    init(matrix: FeatureMatrix, feature: Int) {
        var column = [Double](repeating: 0, count: matrix.rowCount)
        for row in 0..<matrix.rowCount {
            column[row] = matrix[row, feature]
        }
        skewnessSign = Self.skewnessSign(column)
        column.sort()
        var distinct: [Double] = []
        var ends: [Int] = []
        for (index, value) in column.enumerated() {
            if value == distinct.last {
                ends[ends.count - 1] = index + 1
            } else {
                distinct.append(value)
                ends.append(index + 1)
            }
        }
        // Keep every distinct value, or an evenly spaced subset by rank that includes the extremes.
        let kept = min(distinct.count, ECOD.maximumKnots)
        for k in 0..<kept {
            let index = kept == distinct.count ? k : Int((Double(k) * Double(distinct.count - 1) / Double(kept - 1)).rounded())
            values.append(distinct[index])
            below.append(index == 0 ? 0 : ends[index - 1])
            atOrBelow.append(ends[index])
        }
    }

    /// The sign of the biased (Fisher–Pearson) sample skewness m₃ / m₂^1.5, as `scipy.stats.skew` with its
    /// defaults; 0 where scipy answers NaN because the feature is constant to within rounding.
    static func skewnessSign(_ column: [Double]) -> Int8 {
        let n = Double(column.count)
        let mean = column.reduce(0, +) / n
        var m2 = 0.0
        var m3 = 0.0
        for x in column {
            let d = x - mean
            m2 += d * d
            m3 += d * d * d
        }
        m2 /= n
        m3 /= n
        if m2 <= (Double.ulpOfOne * mean) * (Double.ulpOfOne * mean) {
            return 0
        }
        return m3 > 0 ? 1 : m3 < 0 ? -1 : 0
    }
}

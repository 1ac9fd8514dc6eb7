extension AnomalyDetector {
    /// Scores every row of `matrix` on up to `threads` threads, each scoring a contiguous range of rows.
    ///
    /// Blocking. A row's score does not depend on how rows are split, so the result is the same for any
    /// thread count.
    ///
    /// ```swift
    /// let scores = forest.score(matrix, threads: 2)
    /// ```
    ///
    /// - Precondition: `matrix.columnCount == featureCount`.
    package func score(_ matrix: FeatureMatrix, threads: Int = 1) -> [Double] {
        precondition(
            matrix.columnCount == featureCount,
            "the detector was fitted on \(featureCount) features, the matrix has \(matrix.columnCount)"
        )
        return [Double](unsafeUninitializedCapacity: matrix.rowCount) { scores, initialized in
            matrix.values.withUnsafeBufferPointer { rows in
                score(rows: rows, into: scores, threads: threads)
            }
            initialized = matrix.rowCount
        }
    }

    /// Scores `scores.count` row-major rows from `rows` into `scores` on up to `threads` threads.
    ///
    /// For callers that stream chunks of rows and reuse their buffers. Blocking. Threads take ranges of
    /// 8,192 rows as they go, so fewer rows than that use one thread.
    ///
    /// - Precondition: `rows.count == scores.count * featureCount`.
    package func score(rows: UnsafeBufferPointer<Double>, into scores: UnsafeMutableBufferPointer<Double>, threads: Int) {
        precondition(
            rows.count == scores.count * featureCount,
            "\(rows.count) values are not \(scores.count) rows of \(featureCount) features"
        )
        let featureCount = self.featureCount
        ParallelWork.forEachRange(count: scores.count, chunk: rowsPerTask, threads: threads) { range in
            score(
                rows: UnsafeBufferPointer(rebasing: rows[(range.lowerBound * featureCount)..<(range.upperBound * featureCount)]),
                into: UnsafeMutableBufferPointer(rebasing: scores[range])
            )
        }
    }
}

/// Rows a thread scores before taking more: enough that taking them costs nothing, few enough that threads
/// finish together.
private let rowsPerTask = 8192

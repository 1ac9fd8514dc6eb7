extension IsolationForest {
    /// Grows a forest on `matrix`.
    ///
    /// Each tree draws ψ = min(`sampleSize`, rows) distinct rows and is grown on those alone, down to
    /// ⌈log₂ ψ⌉ levels. Trees are grown on `threads` threads; tree `i` is seeded from `(seed, i)`, so the
    /// forest does not depend on the thread count.
    ///
    /// ```swift
    /// let forest = try IsolationForest.fit(matrix, parameters: .init(seed: 7), threads: 2)
    /// ```
    ///
    /// - Parameters:
    ///   - matrix: The training rows; every value must be finite.
    ///   - parameters: Tree count, sample size and seed.
    ///   - threads: How many threads grow trees.
    /// - Throws: ``DetectorError`` with ``DetectorError/Code/emptyInput``, ``DetectorError/Code/nonFinite`` or
    ///   ``DetectorError/Code/invalidParameter``.
    package static func fit(_ matrix: FeatureMatrix, parameters: Parameters = Parameters(), threads: Int = 1) throws -> IsolationForest {
        try validate(parameters)
        try FeatureMatrix.validateTraining(matrix)
        guard matrix.columnCount <= maximumFeatureCount else {
            throw DetectorError(
                code: .invalidParameter,
                message: "an isolation forest takes at most \(maximumFeatureCount) features, not \(matrix.columnCount); select fewer columns"
            )
        }
        let trees = growTrees(matrix, parameters: parameters, threads: threads)
        return IsolationForest(
            trees: trees,
            featureCount: matrix.columnCount,
            parameters: parameters,
            sampleSize: min(parameters.sampleSize, matrix.rowCount)
        )
    }

    static func validate(_ parameters: Parameters) throws {
        guard (1...100_000).contains(parameters.trees) else {
            throw DetectorError(
                code: .invalidParameter,
                message: "an isolation forest needs between 1 and 100000 trees, not \(parameters.trees)"
            )
        }
        guard (1...maximumSampleSize).contains(parameters.sampleSize) else {
            throw DetectorError(
                code: .invalidParameter,
                message: "the isolation forest sample size must be between 1 and \(maximumSampleSize), not \(parameters.sampleSize)"
            )
        }
    }

    /// The trees as grown, before flattening; tests compare the layout's scores against these.
    static func growTrees(_ matrix: FeatureMatrix, parameters: Parameters, threads: Int) -> [IsolationTree] {
        let sampleSize = min(parameters.sampleSize, matrix.rowCount)
        let height = AveragePathLength.heightLimit(sampleSize: sampleSize)
        var trees = [IsolationTree?](repeating: nil, count: parameters.trees)
        trees.withUnsafeMutableBufferPointer { output in
            matrix.values.withUnsafeBufferPointer { values in
                ParallelWork.forEachRange(count: parameters.trees, chunk: 1, threads: threads) { range in
                    var sample = [Double](repeating: 0, count: sampleSize * matrix.columnCount)
                    for treeIndex in range {
                        var random = Xoshiro256StarStar(seed: parameters.seed, stream: UInt64(treeIndex))
                        let rows = sampleRows(count: sampleSize, from: matrix.rowCount, random: &random)
                        for (position, row) in rows.enumerated() {
                            for column in 0..<matrix.columnCount {
                                sample[position * matrix.columnCount + column] = values[row * matrix.columnCount + column]
                            }
                        }
                        output[treeIndex] = sample.withUnsafeBufferPointer { buffer in
                            IsolationTree.grow(
                                sample: buffer,
                                rowCount: sampleSize,
                                featureCount: matrix.columnCount,
                                heightLimit: height,
                                random: &random
                            )
                        }
                    }
                }
            }
        }
        return trees.map { $0! }
    }

    /// `count` distinct row indices below `total` by Floyd's algorithm: O(count) time and memory whatever
    /// `total` is, so sampling 256 rows of a billion costs the same as of a thousand.
    static func sampleRows(count: Int, from total: Int, random: inout Xoshiro256StarStar) -> [Int] {
        var chosen = Set<Int>(minimumCapacity: count)
        var rows: [Int] = []
        rows.reserveCapacity(count)
        for j in (total - count)..<total {
            // Either j + 1's new candidate, or, when it is taken, j itself, which no earlier step could draw.
            let candidate = random.next(below: j + 1)
            if chosen.insert(candidate).inserted {
                rows.append(candidate)
            } else {
                chosen.insert(j)
                rows.append(j)
            }
        }
        return rows
    }
}

extension FeatureMatrix {
    /// Refuses what no detector can learn from: no rows, no columns, or a value that is NaN or infinite.
    static func validateTraining(_ matrix: FeatureMatrix) throws {
        guard matrix.rowCount > 0, matrix.columnCount > 0 else {
            throw DetectorError(
                code: .emptyInput,
                message: "cannot fit a detector on \(matrix.rowCount) rows × \(matrix.columnCount) features: the training data is empty"
            )
        }
        guard let bad = matrix.values.firstIndex(where: { !$0.isFinite }) else { return }
        throw DetectorError(
            code: .nonFinite,
            message: "training row \(bad / matrix.columnCount), feature \(bad % matrix.columnCount) is \(matrix.values[bad]); "
                + "remove or impute missing and infinite values before fitting"
        )
    }
}

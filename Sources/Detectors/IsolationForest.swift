/// Isolation Forest (Liu, Ting & Zhou 2008), as scikit-learn's `IsolationForest`: anomalies are the rows
/// that random axis-parallel splits isolate in few steps.
///
/// Scores are 2^(−E[h(x)] / c(ψ)) in (0, 1], the negative of scikit-learn's `score_samples`: around 0.5 for
/// ordinary rows, towards 1 for anomalies. Fitting is deterministic for a seed, whatever the thread count.
///
/// ```swift
/// let forest = try IsolationForest.fit(matrix, parameters: .init(trees: 100, sampleSize: 256, seed: 42), threads: 2)
/// let scores = forest.score(matrix, threads: 2)
/// ```
///
/// A NaN feature at scoring time fails every `x > threshold` test and so always takes the left branch.
package struct IsolationForest: AnomalyDetector, Equatable {
    package static let algorithm = "isolation-forest"

    /// How to grow the forest.
    package struct Parameters: Sendable, Equatable {
        /// How many trees; more trees give steadier scores and cost proportionally more to score.
        package var trees: Int
        /// ψ, the rows each tree is grown on (capped at the training row count), at most 65,536.
        package var sampleSize: Int
        /// Seeds every random choice: the same data, parameters and seed give the same forest.
        package var seed: UInt64

        /// scikit-learn's defaults: 100 trees of 256 rows each.
        package init(trees: Int = 100, sampleSize: Int = 256, seed: UInt64 = 0) {
            self.trees = trees
            self.sampleSize = sampleSize
            self.seed = seed
        }
    }

    /// The largest ψ accepted: each tree is stored as a perfect tree of 2^⌈log₂ ψ⌉ leaves.
    package static let maximumSampleSize = 65_536
    /// The most features a forest accepts: scoring keeps a block of 128 rows of every feature in cache.
    package static let maximumFeatureCount = 65_536

    /// How many features each row must have.
    package let featureCount: Int
    /// The parameters the forest was fitted with.
    package let parameters: Parameters
    /// ψ actually used: `min(parameters.sampleSize, training rows)`.
    package let sampleSize: Int
    /// ⌈log₂ ψ⌉: every tree is stored as a perfect binary tree this deep.
    package let heightLimit: Int

    // The scoring layout (see IsolationForest+Layout.swift): tree t's internal nodes start at
    // t * internalNodesPerTree in `features`/`thresholds`, its bottom level at t * leavesPerTree in `leafPathLengths`.
    let features: [Int32]
    let thresholds: [Double]
    let leafPathLengths: [Double]
    /// `features` premultiplied into byte offsets within a scoring block (feature × blockRows × 8), derived
    /// here once so the hot loop saves a shift per step.
    let blockOffsets: [Int32]

    /// How many trees the forest has.
    package var treeCount: Int { parameters.trees }

    var internalNodesPerTree: Int { (1 << heightLimit) - 1 }
    var leavesPerTree: Int { 1 << heightLimit }

    /// c(ψ), which normalises mean path lengths into scores.
    let normaliser: Double

    init(
        featureCount: Int,
        parameters: Parameters,
        sampleSize: Int,
        heightLimit: Int,
        features: [Int32],
        thresholds: [Double],
        leafPathLengths: [Double]
    ) {
        self.featureCount = featureCount
        self.parameters = parameters
        self.sampleSize = sampleSize
        self.heightLimit = heightLimit
        self.features = features
        self.thresholds = thresholds
        self.leafPathLengths = leafPathLengths
        self.normaliser = AveragePathLength.c(sampleSize)
        self.blockOffsets = features.map { $0 << (Self.blockRowsShift + 3) }
    }

    /// Turns the sum of path lengths over all trees into the score.
    @inline(__always)
    func score(pathLengthSum: Double) -> Double {
        // With ψ = 1 every path is empty and c(ψ) = 0: nothing can be told apart, so answer the neutral 0.5.
        guard normaliser > 0 else { return 0.5 }
        return powerOfTwo(-(pathLengthSum / Double(treeCount)) / normaliser)
    }
}

import Foundation
import Testing

@testable import Detectors

@Suite("Isolation forest")
struct IsolationForestTests {
    @Test("c(n) is scikit-learn's average path length")
    func averagePathLength() {
        #expect(AveragePathLength.c(0) == 0)
        #expect(AveragePathLength.c(1) == 0)
        #expect(AveragePathLength.c(2) == 1)
        // 2(ln(n − 1) + γ) − 2(n − 1)/n with numpy's γ; scikit-learn gives 1.207392357589623 and 10.244770920119917.
        #expect(AveragePathLength.c(3) == 2 * (log(2.0) + 0.577_215_664_901_532_9) - 2 * 2.0 / 3)
        #expect(abs(AveragePathLength.c(3) - 1.207_392_357_589_623) < 1e-14)
        #expect(AveragePathLength.c(256) == 2 * (log(255.0) + 0.577_215_664_901_532_9) - 2 * 255.0 / 256)
        #expect(abs(AveragePathLength.c(256) - 10.244_770_920_119_917) < 1e-12)
    }

    @Test("height limit is ⌈log₂ ψ⌉, at least 1", arguments: [(1, 1), (2, 1), (3, 2), (4, 2), (100, 7), (256, 8), (257, 9)])
    func heightLimit(sampleSize: Int, height: Int) {
        #expect(AveragePathLength.heightLimit(sampleSize: sampleSize) == height)
    }

    @Test("the same seed gives the same forest and scores, whatever the thread count")
    func determinism() throws {
        let matrix = TestData.normal(rows: 600, columns: 4, seed: 1)
        let parameters = IsolationForest.Parameters(trees: 30, sampleSize: 128, seed: 42)
        let one = try IsolationForest.fit(matrix, parameters: parameters, threads: 1)
        let again = try IsolationForest.fit(matrix, parameters: parameters, threads: 1)
        let parallel = try IsolationForest.fit(matrix, parameters: parameters, threads: 3)
        #expect(one == again)
        #expect(one == parallel)
        #expect(one.score(matrix) == parallel.score(matrix, threads: 2))

        var other = parameters
        other.seed = 43
        let different = try IsolationForest.fit(matrix, parameters: other)
        #expect(different != one)
        #expect(different.score(matrix) != one.score(matrix))
    }

    @Test("an obvious outlier scores highest, and every score is in (0, 1)")
    func outlier() throws {
        let matrix = TestData.appending([8, -8, 8], to: TestData.normal(rows: 300, columns: 3, seed: 2))
        let forest = try IsolationForest.fit(matrix, parameters: .init(trees: 50, sampleSize: 64, seed: 1))
        let scores = forest.score(matrix)
        #expect(TestData.argmax(scores) == 300)
        #expect(scores[300] > 0.7)
        #expect(scores.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(try Threshold.defaultThreshold(for: forest, trainingScores: scores).isAnomaly(scores[300]))
    }

    @Test("ψ is the sample size capped at the row count")
    func sampleSize() throws {
        let matrix = TestData.normal(rows: 40, columns: 2, seed: 3)
        let forest = try IsolationForest.fit(matrix, parameters: .init(trees: 5, sampleSize: 256))
        #expect(forest.sampleSize == 40)
        #expect(forest.heightLimit == 6)
        #expect(forest.treeCount == 5)
        #expect(forest.featureCount == 2)
        #expect(IsolationForest.algorithm == "isolation-forest")
    }

    @Test("one training row gives the neutral score 0.5; constant data gives finite scores")
    func degenerate() throws {
        let single = try IsolationForest.fit(FeatureMatrix(rowCount: 1, columnCount: 2, values: [1, 2]))
        #expect(single.score(FeatureMatrix(rowCount: 2, columnCount: 2, values: [1, 2, 5, 5])) == [0.5, 0.5])
        let constant = FeatureMatrix(rowCount: 20, columnCount: 2, values: Array(repeating: 3, count: 40))
        let forest = try IsolationForest.fit(constant, parameters: .init(trees: 10))
        let scores = forest.score(constant)
        // Every tree is one leaf of 20 rows: path length c(20) = c(ψ), so the score is 2^−1.
        #expect(scores.allSatisfy { abs($0 - 0.5) < 1e-15 })
    }

    @Test("fit refuses empty, non-finite and out-of-range input")
    func refusals() {
        #expect(throws: DetectorError.self) { try IsolationForest.fit(FeatureMatrix(rowCount: 0, columnCount: 3, values: [])) }
        let nan = FeatureMatrix(rowCount: 2, columnCount: 2, values: [1, 2, .nan, 4])
        let error = #expect(throws: DetectorError.self) { try IsolationForest.fit(nan) }
        #expect(error?.code == .nonFinite)
        #expect(error?.message.contains("row 1, feature 0") == true)
        let infinite = FeatureMatrix(rowCount: 1, columnCount: 1, values: [.infinity])
        #expect((#expect(throws: DetectorError.self) { try IsolationForest.fit(infinite) })?.code == .nonFinite)
        let empty = #expect(throws: DetectorError.self) { try IsolationForest.fit(FeatureMatrix(rowCount: 3, columnCount: 0, values: [])) }
        #expect(empty?.code == .emptyInput)
        let matrix = TestData.normal(rows: 10, columns: 1, seed: 4)
        for parameters in [IsolationForest.Parameters(trees: 0), .init(sampleSize: 0), .init(sampleSize: 70_000)] {
            let error = #expect(throws: DetectorError.self) { try IsolationForest.fit(matrix, parameters: parameters) }
            #expect(error?.code == .invalidParameter)
        }
    }

    @Test("thresholds lie in [min, max) even when the range overflows")
    func thresholdDraw() {
        #expect(Grower.threshold(low: 1, high: 2, unit: 0) == 1)
        #expect(Grower.threshold(low: 1, high: 2, unit: 0.5) == 1.5)
        #expect(Grower.threshold(low: 1, high: 1.000_000_000_000_000_2, unit: 0.999_999) == 1)
        let wide = Grower.threshold(low: -.greatestFiniteMagnitude, high: .greatestFiniteMagnitude, unit: 0.75)
        #expect(wide.isFinite && wide > 0)
    }
}

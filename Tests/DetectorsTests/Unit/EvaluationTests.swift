import Foundation
import Testing

@testable import Detectors

@Suite("Evaluation metrics and thresholds")
struct EvaluationTests {
    // Expected values from scikit-learn 1.9 (roc_auc_score, average_precision_score) and numpy 2.4 (quantile).

    @Test("ROC-AUC and average precision without ties")
    func simple() {
        let scores = [0.1, 0.4, 0.35, 0.8]
        let labels = [false, false, true, true]
        #expect(Evaluation.rocAUC(scores: scores, labels: labels) == 0.75)
        #expect(abs(Evaluation.averagePrecision(scores: scores, labels: labels)! - 0.833_333_333_333_333_3) < 1e-15)
    }

    @Test("ties share their rank and form one threshold")
    func ties() {
        let scores = [0.5, 0.5, 0.2, 0.9, 0.5, 0.1, 0.9, 0.3]
        let labels = [true, false, false, true, true, false, false, false]
        // By hand: pairs (positive, negative) 15; positive above = 10, tied = 3 → (10 + 1.5) / 15.
        #expect(abs(Evaluation.rocAUC(scores: scores, labels: labels)! - 11.5 / 15) < 1e-15)
        // Thresholds 0.9: P = 1/2, R = 1/3; 0.5: P = 3/5, R = 1 → 1/3 · 1/2 + 2/3 · 3/5.
        #expect(abs(Evaluation.averagePrecision(scores: scores, labels: labels)! - 0.566_666_666_666_666_7) < 1e-15)
        let flat = [1.0, 1, 1, 1]
        #expect(Evaluation.rocAUC(scores: flat, labels: [true, false, true, false]) == 0.5)
        #expect(Evaluation.averagePrecision(scores: flat, labels: [true, false, true, false]) == 0.5)
    }

    @Test("one class, mismatched counts or NaN give nil, except AP with only anomalies")
    func undefined() {
        #expect(Evaluation.rocAUC(scores: [1, 2], labels: [true, true]) == nil)
        #expect(Evaluation.rocAUC(scores: [1, 2], labels: [false, false]) == nil)
        #expect(Evaluation.rocAUC(scores: [1, 2], labels: [true]) == nil)
        #expect(Evaluation.rocAUC(scores: [.nan, 2], labels: [true, false]) == nil)
        #expect(Evaluation.averagePrecision(scores: [1, 2], labels: [false, false]) == nil)
        #expect(Evaluation.averagePrecision(scores: [3, 1, 2], labels: [true, true, true]) == 1)
    }

    @Test("quantiles interpolate linearly as numpy's default")
    func quantiles() {
        #expect(Evaluation.quantiles([4, 1, 3, 2], at: [0, 0.5, 0.9, 0.99, 1]) == [1, 2.5, 3.7, 3.969_999_999_999_999_8, 4])
        let scores = [0.3, -1.5, 7.25, 2.0, 2.0, 11.0, 0.1]
        #expect(
            Evaluation.quantiles(scores, at: [0.1, 0.25, 0.5, 0.9, 0.99])
                == [-0.539_999_999_999_999_9, 0.2, 2.0, 8.750_000_000_000_002, 10.774_999_999_999_999]
        )
        #expect(Evaluation.quantiles([], at: [0.5])[0].isNaN)
        #expect(Evaluation.quantiles([7], at: [-1, 0.3, 2]) == [7, 7, 7])
    }

    @Test("a contamination threshold is PyOD's percentile of the training scores")
    func contamination() throws {
        let scores = [0.3, -1.5, 7.25, 2.0, 2.0, 11.0, 0.1]
        // numpy.percentile(scores, 100 * (1 - rate)) for rates 0.1 and 0.3.
        #expect(try Threshold.contamination(0.1, trainingScores: scores).value == 8.750_000_000_000_002)
        #expect(try Threshold.contamination(0.3, trainingScores: scores).value == 3.049_999_999_999_996_3)
        let threshold = Threshold(value: 2)
        #expect(!threshold.isAnomaly(2))
        #expect(threshold.isAnomaly(2.000_001))
        #expect(!threshold.isAnomaly(.nan))
        for rate in [0, -0.1, 0.51, .nan] {
            let error = #expect(throws: DetectorError.self) { try Threshold.contamination(rate, trainingScores: scores) }
            #expect(error?.code == .invalidParameter)
        }
        #expect((#expect(throws: DetectorError.self) { try Threshold.contamination(0.1, trainingScores: []) })?.code == .emptyInput)
    }

    @Test("default thresholds: 0.5 for a forest, a 10% contamination otherwise")
    func defaults() throws {
        let matrix = TestData.normal(rows: 100, columns: 2, seed: 12)
        let forest = try IsolationForest.fit(matrix, parameters: .init(trees: 5))
        #expect(try Threshold.defaultThreshold(for: forest, trainingScores: []) == Threshold(value: 0.5))
        let ecod = try ECOD.fit(matrix)
        let scores = ecod.score(matrix)
        let threshold = try Threshold.defaultThreshold(for: ecod, trainingScores: scores)
        #expect(threshold == (try Threshold.contamination(0.1, trainingScores: scores)))
        #expect(scores.count { threshold.isAnomaly($0) } == 10)
    }

    @Test("a score summary carries quantiles and, with labels, ranking quality")
    func summary() throws {
        let summary = ScoreSummary(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true])
        #expect(summary.count == 4)
        #expect(summary.min == 0.1 && summary.max == 0.8)
        #expect(abs(summary.mean - 0.4125) < 1e-15)
        #expect(abs(summary.p50 - 0.375) < 1e-15)
        #expect(summary.rocAUC == 0.75)
        #expect(summary.averagePrecision != nil)
        let unlabelled = ScoreSummary(scores: [1, 2, 3])
        #expect(unlabelled.rocAUC == nil && unlabelled.averagePrecision == nil)
        let decoded = try JSONDecoder().decode(ScoreSummary.self, from: JSONEncoder().encode(summary))
        #expect(decoded == summary)
        #expect(ScoreSummary(scores: []).count == 0)
    }
}

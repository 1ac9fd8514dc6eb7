import Detectors
import Testing

@testable import Modeling

@Suite("The bounded sample behind a scoring run's summary")
struct ScoreReservoirTests {
    @Test("up to its capacity the summary is exact; beyond it count, min, max and mean stay exact and quantiles are estimated")
    func sampling() {
        var reservoir = ScoreReservoir(capacity: 1000)
        let small = (0..<500).map(Double.init)
        small.withUnsafeBufferPointer { reservoir.add($0, labels: nil) }
        #expect(reservoir.isExact)
        #expect(reservoir.summary()?.p50 == 249.5)

        let rest = (500..<100_000).map(Double.init)
        rest.withUnsafeBufferPointer { reservoir.add($0, labels: nil) }
        let summary = try! #require(reservoir.summary())
        #expect(!reservoir.isExact)
        #expect(reservoir.scores.count == 1000)
        #expect(summary.count == 100_000 && summary.min == 0 && summary.max == 99_999 && summary.mean == 49_999.5)
        // A uniform sample of 1,000 puts the median within a few percent of the truth.
        #expect(abs(summary.p50 - 50_000) < 5_000, "p50 \(summary.p50)")
    }

    @Test("labels travel with their scores through the sample")
    func labels() {
        var reservoir = ScoreReservoir(capacity: 64)
        let scores = (0..<10_000).map(Double.init)
        let labels = scores.map { $0 >= 9_000 ? 1.0 : 0.0 }
        scores.withUnsafeBufferPointer { reservoir.add($0, labels: labels) }
        #expect(zip(reservoir.scores, reservoir.labels).allSatisfy { ($0 >= 9_000) == $1 })
        #expect(reservoir.summary()?.rocAUC == 1)
    }

    @Test("no rows, no summary")
    func empty() {
        #expect(ScoreReservoir().summary() == nil)
    }
}

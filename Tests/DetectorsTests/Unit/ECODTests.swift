import Foundation
import Testing

@testable import Detectors

@Suite("ECOD")
struct ECODTests {
    static func column(_ values: [Double]) -> FeatureMatrix {
        FeatureMatrix(rowCount: values.count, columnCount: 1, values: values)
    }

    @Test("a right-skewed feature scores by hand-computed tail probabilities")
    func handComputedRightSkew() throws {
        // n = 5, skewness > 0 (scipy: sign +1), so O = max(U_l, U_r, U_r).
        let ecod = try ECOD.fit(Self.column([1, 2, 2, 3, 10]))
        #expect(ecod.skewnessSigns == [1])
        let scores = ecod.score(Self.column([2, 10, 0, 20, 2.5, 3]))
        let expected = [
            // x = 2: 3 values ≤ 2, 4 values ≥ 2: U_l = −ln(4/6), U_r = −ln(5/6).
            max(-log(4.0 / 6), -log(5.0 / 6)),
            // x = 10: all 5 ≤, 1 ≥: U_l = 0, U_r = −ln(2/6).
            -log(2.0 / 6),
            // x = 0: none ≤, all ≥: U_l = −ln(1/6), U_r = 0.
            -log(1.0 / 6),
            // x = 20: U_r = −ln(1/6).
            -log(1.0 / 6),
            // x = 2.5 lies between neighbouring distinct values 2 and 3: 3 ≤, 2 ≥.
            max(-log(4.0 / 6), -log(3.0 / 6)),
            // x = 3: 4 ≤, 2 ≥.
            max(-log(5.0 / 6), -log(3.0 / 6)),
        ]
        for (score, want) in zip(scores, expected) {
            #expect(abs(score - want) < 1e-12)
        }
    }

    @Test("left-skewed, symmetric and constant features combine the tails as the formula says")
    func skewCases() throws {
        // Feature 0 left-skewed (sign −1), feature 1 symmetric (sign 0: U_l + U_r), feature 2 constant (sign 0).
        let training = FeatureMatrix(
            rowCount: 5,
            columnCount: 3,
            values: [-10, 1, 5, -3, 2, 5, -2, 3, 5, -2, 4, 5, -1, 5, 5]
        )
        let ecod = try ECOD.fit(training)
        #expect(ecod.skewnessSigns == [-1, 0, 0])
        let score = ecod.score(FeatureMatrix(rowCount: 1, columnCount: 3, values: [-2, 3, 6]))[0]
        // −2: 4 ≤, 3 ≥ → max(U_l, U_r, U_l). 3: 3 ≤, 3 ≥ → U_l + U_r. 6 against constant 5: 5 ≤, 0 ≥.
        let feature0 = max(-log(5.0 / 6), -log(4.0 / 6))
        let feature1 = -log(4.0 / 6) + -log(4.0 / 6)
        let feature2 = 0 + -log(1.0 / 6)
        #expect(abs(score - (feature0 + feature1 + feature2)) < 1e-12)
    }

    @Test("constant columns give finite scores, zero at the constant")
    func constantColumns() throws {
        let ecod = try ECOD.fit(FeatureMatrix(rowCount: 3, columnCount: 2, values: [5, 0, 5, 0, 5, 0]))
        let scores = ecod.score(FeatureMatrix(rowCount: 3, columnCount: 2, values: [5, 0, 6, 0, -1e300, 1e300]))
        #expect(scores.allSatisfy { $0.isFinite })
        #expect(scores[0] == 0)
        #expect(abs(scores[1] - log(4.0)) < 1e-12)
    }

    @Test("an obvious outlier scores highest; NaN contributes nothing")
    func outlier() throws {
        let matrix = TestData.appending([6, -6, 6], to: TestData.normal(rows: 300, columns: 3, seed: 9))
        let ecod = try ECOD.fit(matrix)
        let scores = ecod.score(matrix)
        #expect(TestData.argmax(scores) == 300)
        let partial = ecod.score(FeatureMatrix(rowCount: 2, columnCount: 3, values: [6, .nan, .nan, 6, 0, 0]))
        #expect(partial[0] < partial[1])
        #expect(partial[0] > 0)
    }

    @Test("a row's score does not depend on the batch it is scored in")
    func batchIndependence() throws {
        let training = TestData.normal(rows: 200, columns: 2, seed: 10)
        let ecod = try ECOD.fit(training)
        let probe = TestData.normal(rows: 50, columns: 2, seed: 11)
        let all = ecod.score(probe)
        let firstTen = ecod.score(FeatureMatrix(rowCount: 10, columnCount: 2, values: Array(probe.values[0..<20])))
        #expect(Array(all[0..<10]) == firstTen)
        #expect(try ECOD.fit(training, threads: 2) == ecod)
    }

    @Test("beyond 65,536 distinct values, knots keep exact counts and counts between them are interpolated")
    func knotSubsampling() throws {
        let n = 70_001
        let ecod = try ECOD.fit(Self.column((0..<n).map(Double.init)))
        #expect(ecod.knotValues.count == ECOD.maximumKnots)
        #expect(ecod.knotValues.first == 0)
        #expect(ecod.knotValues.last == Double(n - 1))
        #expect(!ecod.knotValues.contains(8) && !ecod.knotValues.contains(50_003))
        ecod.knotValues.withUnsafeBufferPointer { values in
            ecod.countsBelow.withUnsafeBufferPointer { below in
                ecod.countsAtOrBelow.withUnsafeBufferPointer { atOrBelow in
                    // Integer data: exactly x values are < x. Exact at knots; between knots the one
                    // interpolated count lies between the exact #<x and #≤x.
                    for x in [0.0, 1, 8, 24, 1000, 12_345, 50_003, 54_321, 69_999, 70_000] {
                        let counts = ECOD.counts(of: x, values: values, below: below, atOrBelow: atOrBelow)
                        if values.contains(x) {
                            #expect(counts == (x + 1, x))
                        } else {
                            #expect(counts.less == counts.lessOrEqual)
                            #expect(counts.less >= x && counts.less <= x + 1)
                        }
                    }
                    #expect(ECOD.counts(of: -1, values: values, below: below, atOrBelow: atOrBelow) == (0, 0))
                    #expect(ECOD.counts(of: 1e9, values: values, below: below, atOrBelow: atOrBelow) == (Double(n), Double(n)))
                }
            }
        }
    }

    @Test("the guided search counts exactly as a plain search over all knots")
    func guidedSearch() throws {
        // 5,000 distinct values with duplicates: 79 guide entries over 5,000 knots.
        let values = (0..<6_000).map { Double(($0 * 7_919) % 5_000) / 7 - 300 }
        let ecod = try ECOD.fit(Self.column(values))
        #expect(ecod.guideValues.count == (ecod.knotValues.count + ECOD.guideStride - 1) / ECOD.guideStride)
        var random = Xoshiro256StarStar(seed: 4, stream: 0)
        let probes = values.prefix(150) + (0..<150).map { _ in random.nextUnit() * 800 - 400 } + [-.infinity, .infinity, -300, 414]
        let sorted = values.sorted()
        ecod.knotValues.withUnsafeBufferPointer { knots in
            ecod.countsBelow.withUnsafeBufferPointer { below in
                ecod.countsAtOrBelow.withUnsafeBufferPointer { atOrBelow in
                    ecod.guideValues.withUnsafeBufferPointer { guide in
                        for x in probes {
                            let guided = ECOD.counts(of: x, values: knots, below: below, atOrBelow: atOrBelow, guide: guide)
                            let plain = ECOD.counts(of: x, values: knots, below: below, atOrBelow: atOrBelow)
                            let exact = (Double(sorted.firstIndex { $0 > x } ?? sorted.count), Double(sorted.firstIndex { $0 >= x } ?? sorted.count))
                            #expect(guided == plain)
                            #expect(guided == exact)
                        }
                    }
                }
            }
        }
    }

    @Test("fit refuses NaN and empty input")
    func refusals() {
        let nan = #expect(throws: DetectorError.self) { try ECOD.fit(Self.column([1, .nan])) }
        #expect(nan?.code == .nonFinite)
        let empty = #expect(throws: DetectorError.self) { try ECOD.fit(Self.column([])) }
        #expect(empty?.code == .emptyInput)
    }
}

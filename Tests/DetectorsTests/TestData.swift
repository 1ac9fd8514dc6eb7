@testable import Detectors

/// Small reproducible matrices for the tests.
enum TestData {
    /// `rows` × `columns` values roughly normal around 0 (a sum of four uniforms), from `seed`.
    static func normal(rows: Int, columns: Int, seed: UInt64) -> FeatureMatrix {
        var random = Xoshiro256StarStar(seed: seed, stream: 99)
        let values = (0..<(rows * columns)).map { _ in
            (0..<4).reduce(0.0) { sum, _ in sum + random.nextUnit() } - 2
        }
        return FeatureMatrix(rowCount: rows, columnCount: columns, values: values)
    }

    /// `matrix` with one more row appended.
    static func appending(_ row: [Double], to matrix: FeatureMatrix) -> FeatureMatrix {
        FeatureMatrix(rowCount: matrix.rowCount + 1, columnCount: matrix.columnCount, values: matrix.values + row)
    }

    /// The index of the largest score.
    static func argmax(_ scores: [Double]) -> Int {
        scores.indices.max { scores[$0] < scores[$1] }!
    }
}

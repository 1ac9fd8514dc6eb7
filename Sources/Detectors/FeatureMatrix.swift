/// Rows of numeric features, stored row-major: row `r`, column `c` is `values[r * columnCount + c]`.
///
/// Row-major is the order rows arrive in from CSV and SQL, and the order scoring walks them, so no
/// transposition happens on the hot path.
///
/// ```swift
/// let matrix = FeatureMatrix(rowCount: 2, columnCount: 2, values: [1, 2, 3, 4])
/// matrix[1, 0] // 3
/// ```
public struct FeatureMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public var values: [Double]

    public init(rowCount: Int, columnCount: Int, values: [Double]) {
        precondition(values.count == rowCount * columnCount, "a \(rowCount) × \(columnCount) matrix needs \(rowCount * columnCount) values")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Double {
        values[row * columnCount + column]
    }
}

/// Rows of numeric features, stored row-major: row `r`, column `c` is `values[r * columnCount + c]`.
///
/// Row-major is the order rows arrive in from CSV and SQL, and the order scoring walks them, so no
/// transposition happens on the hot path.
///
/// ```swift
/// let matrix = FeatureMatrix(rowCount: 2, columnCount: 2, values: [1, 2, 3, 4])
/// matrix[1, 0] // 3
/// ```
package struct FeatureMatrix: Sendable, Equatable {
    package let rowCount: Int
    package let columnCount: Int
    package var values: [Double]

    package init(rowCount: Int, columnCount: Int, values: [Double]) {
        precondition(values.count == rowCount * columnCount, "a \(rowCount) × \(columnCount) matrix needs \(rowCount * columnCount) values")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    package subscript(row: Int, column: Int) -> Double {
        values[row * columnCount + column]
    }
}

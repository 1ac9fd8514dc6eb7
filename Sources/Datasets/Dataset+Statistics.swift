/// Statistics of one feature column, over its non-missing values, for a model's feature schema.
///
/// With no values at all (an empty data set, or a column of NaN), `count` is 0 and the others are NaN.
package struct ColumnSummary: Sendable, Equatable, Codable {
    package var name: String
    /// Non-missing values.
    package var count: Int
    package var min: Double
    package var max: Double
    package var mean: Double
    /// The middle value, or the mean of the two middle values when `count` is even.
    package var median: Double

    package init(name: String, count: Int, min: Double, max: Double, mean: Double, median: Double) {
        self.name = name
        self.count = count
        self.min = min
        self.max = max
        self.mean = mean
        self.median = median
    }
}

extension Dataset {
    /// Per feature column: count, min, max, mean and median of the values that are not NaN.
    ///
    /// ```swift
    /// for column in data.columnSummaries() { print(column.name, column.min, column.median, column.max) }
    /// ```
    package func columnSummaries() -> [ColumnSummary] {
        let featureCount = self.featureCount
        var column = [Double]()
        column.reserveCapacity(rowCount)
        return featureNames.enumerated().map { feature, name in
            column.removeAll(keepingCapacity: true)
            var sum = 0.0
            var low = Double.infinity
            var high = -Double.infinity
            for row in 0..<rowCount {
                let value = features[row * featureCount + feature]
                if value.isNaN { continue }
                column.append(value)
                sum += value
                low = Swift.min(low, value)
                high = Swift.max(high, value)
            }
            guard !column.isEmpty else { return ColumnSummary(name: name, count: 0, min: .nan, max: .nan, mean: .nan, median: .nan) }
            let median = column.withUnsafeMutableBufferPointer { medianReordering($0) }
            return ColumnSummary(name: name, count: column.count, min: low, max: high, mean: sum / Double(column.count), median: median)
        }
    }
}

/// The median of `values` (not empty, no NaN), found by selection in linear time; reorders `values`.
func medianReordering(_ values: UnsafeMutableBufferPointer<Double>) -> Double {
    let middle = values.count / 2
    let upper = select(values, middle)
    guard values.count % 2 == 0 else { return upper }
    // Selection leaves every value below `middle` no greater than the upper middle one.
    var lower = values[0]
    for index in 1..<middle { lower = max(lower, values[index]) }
    let sum = lower + upper
    return sum.isFinite ? sum / 2 : lower / 2 + upper / 2
}

/// Reorders `values` so that `values[k]` is the value a sort would put there, and returns it (quickselect
/// with a median-of-three pivot, falling back to sorting the remaining range if partitions keep coming out
/// lopsided).
func select(_ values: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
    var low = 0
    var high = values.count - 1
    var rounds = 0
    while low < high {
        rounds += 1
        if rounds > 64 {
            var rest = UnsafeMutableBufferPointer(rebasing: values[low...high])
            rest.sort()
            break
        }
        let mid = low + (high - low) / 2
        if values[mid] < values[low] { values.swapAt(mid, low) }
        if values[high] < values[low] { values.swapAt(high, low) }
        if values[high] < values[mid] { values.swapAt(high, mid) }
        let pivot = values[mid]
        var i = low
        var j = high
        while i <= j {
            while values[i] < pivot { i += 1 }
            while values[j] > pivot { j -= 1 }
            if i <= j {
                values.swapAt(i, j)
                i += 1
                j -= 1
            }
        }
        if k <= j {
            high = j
        } else if k >= i {
            low = i
        } else {
            break
        }
    }
    return values[k]
}

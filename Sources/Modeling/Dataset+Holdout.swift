package import Datasets
import Detectors

extension Dataset {
    /// Splits off `fraction` of the rows for evaluation, the same way every time for a seed: a seeded shuffle,
    /// stratified by label when there is one, so that a rare anomaly class lands on both sides.
    ///
    /// ```swift
    /// let (training, holdout) = data.split(holdout: 0.2, seed: 7)
    /// ```
    package func split(holdout fraction: Double, seed: UInt64) -> (training: Dataset, holdout: Dataset) {
        var random = SplitMix64(state: seed ^ 0x5EED_0F_4011_D0)
        var groups: [[Int]]
        if let labels {
            groups = [(0..<rowCount).filter { labels[$0] == 0 }, (0..<rowCount).filter { labels[$0] != 0 }]
        } else {
            groups = [Array(0..<rowCount)]
        }
        var training: [Int] = []
        var holdout: [Int] = []
        for index in groups.indices {
            // Fisher–Yates with our own generator: the standard library's shuffle may change between versions.
            var group = groups[index]
            for position in stride(from: group.count - 1, to: 0, by: -1) {
                group.swapAt(position, Int(random.next() % UInt64(position + 1)))
            }
            let held = Int((Double(group.count) * fraction).rounded())
            holdout += group.prefix(held)
            training += group.dropFirst(held)
        }
        return (subset(training.sorted()), subset(holdout.sorted()))
    }

    /// The given rows, in the given order.
    package func subset(_ rows: [Int]) -> Dataset {
        var values: [Double] = []
        values.reserveCapacity(rows.count * featureCount)
        for row in rows { values += self.row(row) }
        var result = self
        result.rowCount = rows.count
        result.features = values
        result.ids = ids.map { ids in rows.map { ids[$0] } }
        result.labels = labels.map { labels in rows.map { labels[$0] } }
        return result
    }
}

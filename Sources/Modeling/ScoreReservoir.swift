/// The scores (and labels) a scoring run keeps for its summary: every row up to `capacity`, then a uniform
/// random sample of that size (Vitter's algorithm R), so that quantiles and ROC-AUC of a run over any number of
/// rows cost bounded memory. Count, min, max, mean and the anomaly count are always exact.
import Detectors

struct ScoreReservoir {
    let capacity: Int
    private(set) var scores: [Double] = []
    private(set) var labels: [Bool] = []
    private(set) var seen = 0
    private(set) var minimum = Double.infinity
    private(set) var maximum = -Double.infinity
    private(set) var sum = 0.0
    // Fixed, so that the same input always gives the same summary.
    private var random = SplitMix64(state: 0x853C_49E6_748F_EA9B)

    init(capacity: Int = 1 << 20) {
        self.capacity = capacity
    }

    /// Whether the summary is exact (every row kept) or estimated from a sample.
    var isExact: Bool { seen <= capacity }

    /// Nil before the first row.
    func summary() -> ScoreSummary? {
        guard seen > 0 else { return nil }
        var summary = ScoreSummary(scores: scores, labels: labels.isEmpty ? nil : labels)
        summary.count = seen
        summary.min = minimum
        summary.max = maximum
        summary.mean = sum / Double(seen)
        return summary
    }

    mutating func add(_ batch: UnsafeBufferPointer<Double>, labels batchLabels: [Double]?) {
        for (index, score) in batch.enumerated() {
            seen += 1
            minimum = min(minimum, score)
            maximum = max(maximum, score)
            sum += score
            let label = batchLabels.map { $0[index] != 0 }
            if scores.count < capacity {
                scores.append(score)
                if let label { labels.append(label) }
            } else {
                let slot = Int(random.next() % UInt64(seen))
                if slot < capacity {
                    scores[slot] = score
                    if let label { labels[slot] = label }
                }
            }
        }
    }
}

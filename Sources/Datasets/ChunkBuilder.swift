/// Accumulates parsed rows until a ``RowChunk`` is taken.
struct ChunkBuilder {
    let featureCount: Int
    private(set) var rowCount = 0
    private var features: [Double] = []
    private var ids: [String]?
    private var labels: [Double]?
    /// Rows in the last chunk taken, to size the next one's storage in one allocation.
    private var lastRowCount = 0

    init(featureCount: Int, hasIDs: Bool, hasLabels: Bool) {
        self.featureCount = featureCount
        ids = hasIDs ? [] : nil
        labels = hasLabels ? [] : nil
    }

    @inline(__always)
    mutating func append(_ row: UnsafeMutableBufferPointer<Double>, id: String, label: Double) {
        features.append(contentsOf: row)
        ids?.append(id)
        labels?.append(label)
        rowCount += 1
    }

    /// Hands over the rows gathered so far and starts an empty chunk.
    mutating func take() -> RowChunk {
        let chunk = RowChunk(rowCount: rowCount, featureCount: featureCount, features: features, ids: ids, labels: labels)
        lastRowCount = rowCount
        rowCount = 0
        features = []
        features.reserveCapacity(lastRowCount * featureCount)
        if ids != nil {
            ids = []
            ids!.reserveCapacity(lastRowCount)
        }
        if labels != nil {
            labels = []
            labels!.reserveCapacity(lastRowCount)
        }
        return chunk
    }
}

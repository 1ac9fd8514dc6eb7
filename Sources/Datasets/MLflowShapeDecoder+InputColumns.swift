extension MLflowShapeDecoder {
    /// Hands out the rows of `inputs` as columns, `blockRows` at a time: each feature's column is read from its text
    /// only as far as the block needs, so a drain holds the texts not yet read and a block, never 8 bytes a cell of
    /// the whole body (a `0,` is 2 bytes on the wire). Cells are settled row by row in feature order, which is the
    /// order the old reader reported bad values in.
    mutating func drainInputColumns(maxRows blockRows: Int, _ body: (UnsafeBufferPointer<Double>) throws -> Void) throws {
        var block: [Double] = []
        while transposedRows < rowCount {
            let rows = min(blockRows, rowCount - transposedRows)
            if block.count != rows * width { block = Array(repeating: 0, count: rows * width) }
            var settled = true
            for feature in 0..<width {
                try columnCursors[feature].fill(rows)
                settled = columnCursors[feature].take(rows, into: &block, at: feature, stride: width) && settled
            }
            if !settled {
                for row in 0..<rows {
                    for feature in 0..<width where !block[row * width + feature].isFinite {
                        block[row * width + feature] = try resolve(block[row * width + feature], feature: feature, row: transposedRows + row)
                    }
                }
            }
            drainPeakBytes = max(drainPeakBytes, retainedBytes + block.capacity * MemoryLayout<Double>.stride)
            try block.withUnsafeBufferPointer { try body($0) }
            transposedRows += rows
        }
        columnCursors = []
        columnsComplete = false
    }
}

/// One feature's column of `inputs`, read back from its text as far as the rows being drained need.
struct ColumnCursor {
    static let pieceBytes = 4 << 10

    var text: CapturedText
    /// The text was checked as it arrived, the limits on nesting, keys and tokens included.
    var reader = JSONReader(maxDepth: .max)
    var cells = ColumnCells()

    init(text: CapturedText) {
        self.text = text
    }

    var retainedBytes: Int { text.allocatedBytes + reader.retainedBytes + cells.values.capacity * MemoryLayout<Double>.stride }

    /// Reads on until `count` values are waiting: a piece at a time, so at most a piece's values more.
    mutating func fill(_ count: Int) throws {
        cells.values.removeFirst(cells.next)
        cells.next = 0
        while cells.values.count < count && !text.isExhausted {
            try text.feed(maxBytes: Self.pieceBytes, to: &reader, &cells)
        }
        precondition(cells.values.count >= count, "a column's text holds the values counted as it arrived")
    }

    /// Moves the next `count` values into `block`, one every `stride` from `start`.
    /// - Returns: whether they are all finite numbers, needing no settling.
    mutating func take(_ count: Int, into block: inout [Double], at start: Int, stride: Int) -> Bool {
        var finite = true
        let first = cells.next
        cells.values.withUnsafeBufferPointer { values in
            block.withUnsafeMutableBufferPointer { block in
                for row in 0..<count {
                    let value = values[first + row]
                    finite = finite && value.isFinite
                    block[row * stride + start] = value
                }
            }
        }
        cells.next += count
        return finite
    }
}

/// The values of one JSON array, each as a cell: a number, or a marker for null or anything else
/// (``MLflowShapeDecoder/cell(_:)``).
struct ColumnCells: JSONTokenConsumer {
    var depth = 0
    var values: [Double] = []
    /// The first value not yet taken.
    var next = 0

    mutating func consume(_ token: JSONReader.Token, text: UnsafeRawBufferPointer, at offset: Int) {
        switch token {
        case .beginArray, .beginObject:
            if depth == 1 { values.append(Double(bitPattern: MLflowShapeDecoder.otherCell)) }
            depth += 1
        case .endArray, .endObject:
            depth -= 1
        case .key:
            break
        default:
            if depth == 1 { values.append(MLflowShapeDecoder.cell(token)) }
        }
    }
}

/// The state machine behind ``MLflowJSONParser``: JSON tokens in, rows out (MLflowShapeDecoder+Tokens.swift).
struct MLflowShapeDecoder {
    enum State: Equatable {
        case document, top
        case topMember(Member)
        case finished
        case split
        case splitMember(SplitMember)
        case columnNames, dataRows, dataRow
        case rows, record, recordValue, rowArray
        case inputColumns, inputColumn, inputColumnValues
        case skipping
    }

    /// The top object's members that carry rows.
    enum Member: String {
        case dataframeSplit = "dataframe_split"
        case dataframeRecords = "dataframe_records"
        case instances, inputs, other
    }

    enum SplitMember { case columns, data, other }

    /// A column of `dataframe_split` that is a feature.
    struct MappedColumn {
        var column: Int
        var feature: Int
    }

    let names: [String]
    let nameBytes: [[UInt8]]
    let medians: [Double]?
    let maxRows: Int
    let maxColumns: Int
    var width: Int { names.count }

    var state = State.document
    var shape: Member?
    /// Containers still open inside a value being skipped, and where reading resumes after it.
    var skipDepth = 0
    var skipReturn = State.top

    /// Complete rows not yet drained, then the row being read (from `rowBase`).
    var pending: [Double] = []
    var pendingRows = 0
    var rowBase = 0
    var rowCount = 0
    /// The cell of the current array row (or `inputs` column) being read, and the feature of the current key.
    var cell = 0
    var feature = -1
    /// The feature the next record key most likely names: records usually repeat one key order.
    var nextFeature = 0

    /// `dataframe_split`: how many names `columns` has so far, and for each feature the first column of its name.
    var columnCount = 0
    var featureColumn: [Int]
    /// Once `columns` is complete: the feature columns in column order, and the next one the current row will reach.
    var columnsKnown = false
    var mappedColumns: [MappedColumn] = []
    var nextMapped = 0
    var dataSeen = false
    /// `data` read before `columns`: its text, and its rows (MLflowJSONParser reads it again once `columns` is known).
    var capturedData: CapturedText?
    var capturedRows = 0

    /// The body's buffer being read and where it starts in the body, for keeping a value's text
    /// (MLflowShapeDecoder+Capture.swift); where the text of the value being kept starts, or has been kept up to.
    var buffer = UnsafeRawBufferPointer(start: nil, count: 0)
    var bufferStart = 0
    var captureFrom: Int?
    var capture = CapturedText()

    /// `inputs` as columns: the text of each feature's column and its length (-1 until read), then the columns being
    /// read again in lockstep (MLflowShapeDecoder+InputColumns.swift).
    var columnTexts: [CapturedText] = []
    var columnLengths: [Int] = []
    var columnCursors: [ColumnCursor] = []
    var columnsComplete = false
    var transposedRows = 0
    /// The most ``retainedBytes`` was while rows were drained.
    var drainPeakBytes = 0

    init(features: [String], medians: [Double]?, maxRows: Int, maxColumns: Int) {
        names = features
        nameBytes = features.map { Array($0.utf8) }
        self.medians = medians
        self.maxRows = maxRows
        self.maxColumns = maxColumns
        featureColumn = Array(repeating: -1, count: features.count)
    }

    /// A decoder for reading again the `data` of `split`, whose `columns` came after it.
    init(replayingDataOf split: MLflowShapeDecoder) {
        self.init(features: split.names, medians: split.medians, maxRows: split.maxRows, maxColumns: split.maxColumns)
        shape = .dataframeSplit
        state = .splitMember(.data)
        columnCount = split.columnCount
        featureColumn = split.featureColumn
        mappedColumns = split.mappedColumns
        columnsKnown = true
    }

    /// The bytes held (capacities): pending rows, which columns are features, kept text, columns being read again.
    var retainedBytes: Int {
        var total = pending.capacity + featureColumn.capacity + columnLengths.capacity
        total = total * MemoryLayout<Double>.stride + mappedColumns.capacity * MemoryLayout<MappedColumn>.stride
        total += capture.allocatedBytes + (capturedData?.allocatedBytes ?? 0)
        total += columnTexts.reduce(columnTexts.capacity * MemoryLayout<CapturedText>.stride) { $0 + $1.allocatedBytes }
        return columnCursors.reduce(total + columnCursors.capacity * MemoryLayout<ColumnCursor>.stride) { $0 + $1.retainedBytes }
    }

    mutating func drainRows(maxRows blockRows: Int, _ body: (UnsafeBufferPointer<Double>) throws -> Void) throws {
        if pendingRows > 0 {
            let complete = pendingRows * width
            drainPeakBytes = max(drainPeakBytes, retainedBytes)
            try pending.withUnsafeBufferPointer { all in
                var start = 0
                while start < complete {
                    let end = min(complete, start + blockRows * width)
                    try body(UnsafeBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
            }
            // Only the unfinished row, if any, is left to move.
            pending.removeSubrange(0..<complete)
            rowBase -= complete
            pendingRows = 0
        }
        if columnsComplete { try drainInputColumns(maxRows: blockRows, body) }
    }
}

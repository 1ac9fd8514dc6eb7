/// A push parser for the JSON bodies of MLflow's `/invocations` that turns bytes straight into rows of a model's
/// features, without a JSON object tree.
///
/// ```json
/// {"dataframe_split": {"columns": ["amount", "hour"], "data": [[12.5, 3], [900, 2]]}}
/// {"dataframe_records": [{"amount": 12.5, "hour": 3}]}
/// {"instances": [{"amount": 12.5, "hour": 3}]}    or  {"instances": [[12.5, 3]]}   (the model's feature order)
/// {"inputs": {"amount": [12.5, 900], "hour": [3, 2]}}   or  {"inputs": [[12.5, 3]]}
/// ```
///
/// Feed it the body in buffers of any size (``parse(_:)``), take the rows read so far with ``drainRows(maxRows:_:)``,
/// and call ``finish()`` at the end. Rows come out row-major in the model's feature order, ready for a detector.
/// Memory: the row-oriented shapes hand out each row as soon as it is complete, so a caller that drains after every
/// buffer holds a buffer's rows, never the body's. `inputs` as columns cannot give a row before every column is
/// read: the columns are held (8 bytes a cell) and transposed a block at a time when drained. A `dataframe_split`
/// whose `data` comes before its `columns` (pandas and MLflow write `columns` first) is held as raw cells, 8 bytes
/// each for every column, until the columns say which are features.
///
/// The text must be strict JSON (``JSONReader``: UTF-8, no duplicate keys, nothing after the document, nesting at most
/// `maxDepth`). Other members of the top object (`params`, `index`) are read and ignored, as are columns and keys
/// that are not features. The body names exactly one shape. A missing (`null`) cell, or a record without a feature,
/// takes the feature's median when `medians` are given (the model imputes) and is an error otherwise; numbers that
/// overflow a double are refused as not finite; other values are not numbers. More than `maxRows` rows is a
/// ``JSONInputError/Code/tooManyRows`` error as soon as the next row starts.
public struct MLflowJSONParser {
    var reader: JSONReader
    var decoder: MLflowShapeDecoder

    /// - Parameters:
    ///   - features: the model's feature names, in its order.
    ///   - medians: one per feature, for missing cells; nil when the model does not impute.
    ///   - maxRows: the most rows the body may carry.
    ///   - maxDepth: the deepest nesting of arrays and objects the text may have.
    public init(features: [String], medians: [Double]?, maxRows: Int, maxDepth: Int, sourceName: String = "body") {
        precondition(!features.isEmpty, "a model has at least one feature")
        precondition(medians == nil || medians!.count == features.count, "one median per feature")
        reader = JSONReader(maxDepth: maxDepth, sourceName: sourceName)
        decoder = MLflowShapeDecoder(features: features, medians: medians, maxRows: maxRows)
    }

    /// Rows read so far, drained or not (for `inputs` as columns: none until every column is read).
    public var rowCount: Int { decoder.rowCount }

    /// Complete rows not yet drained.
    public var pendingRowCount: Int {
        decoder.pendingRows + (decoder.columnsComplete ? (decoder.columns.first?.count ?? 0) - decoder.transposedRows : 0)
    }

    /// Reads the next part of the body.
    /// - Throws: ``JSONInputError`` at the first problem.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws {
        try reader.read(bytes, into: &decoder)
    }

    /// Ends the body, refusing it if it is incomplete.
    public mutating func finish() throws {
        try reader.finish(into: &decoder)
        precondition(decoder.state == .finished, "a complete document closes the top object")
    }

    /// Hands the complete rows read so far to `body`, row-major, at most `maxRows` at a time, and forgets them.
    public mutating func drainRows(maxRows: Int, _ body: (UnsafeBufferPointer<Double>) throws -> Void) rethrows {
        try decoder.drainRows(maxRows: maxRows, body)
    }
}

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

    let names: [String]
    let nameBytes: [[UInt8]]
    let medians: [Double]?
    let maxRows: Int
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

    /// `dataframe_split`: the column names, then for each column its feature (-1 for none).
    var columnNames: [[UInt8]] = []
    var columnFeature: [Int]?
    var dataSeen = false
    /// `data` read before `columns`: every cell, and each row's length.
    var rawCells = DoubleBlocks()
    var rawRowLengths: [Int] = []

    /// `inputs` as columns: one per feature, then transposed when drained.
    var columns: [DoubleBlocks] = []
    var columnRead: [Bool] = []
    /// Whether a column holds something other than finite numbers, to be settled row by row at the end.
    var columnsNeedCheck = false
    var columnsComplete = false
    var transposedRows = 0

    init(features: [String], medians: [Double]?, maxRows: Int) {
        names = features
        nameBytes = features.map { Array($0.utf8) }
        self.medians = medians
        self.maxRows = maxRows
    }

    mutating func drainRows(maxRows blockRows: Int, _ body: (UnsafeBufferPointer<Double>) throws -> Void) rethrows {
        if pendingRows > 0 {
            let complete = pendingRows * width
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
        guard columnsComplete else { return }
        let total = columns.first?.count ?? 0
        var block: [Double] = []
        block.reserveCapacity(min(blockRows, total) * width)
        while transposedRows < total {
            let end = min(total, transposedRows + blockRows)
            block.removeAll(keepingCapacity: true)
            for row in transposedRows..<end {
                for column in columns { block.append(column[row]) }
            }
            try block.withUnsafeBufferPointer { try body($0) }
            transposedRows = end
        }
        columns = []
        columnsComplete = false
    }
}

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
/// and call ``finish()`` at the end, then drain once more. Rows come out row-major in the model's feature order, ready
/// for a detector.
///
/// Memory is bounded by construction, whatever the body, to what follows (``retainedBytes`` measures it):
/// - The row-oriented shapes hand out each row as soon as it is complete, so a caller that drains after every buffer
///   holds a buffer's rows, never the body's.
/// - `dataframe_split` matches each column name against the features as it arrives and keeps only which column is
///   which feature; names that are not features are not kept. More than `maxColumns` names, or a row longer than
///   the names, is refused at the first one too many.
/// - Shapes that cannot give a row before the end of a part (`inputs` as columns; a `dataframe_split` whose `data`
///   comes before its `columns`, which pandas and MLflow never write) keep that part's raw text, the body's own
///   bytes, and read it again as it is drained: feature columns only, in lockstep, for `inputs`; `data` for the
///   split, once `columns` has said which values are features. A row of `data` with more than `maxColumns` values is
///   refused when it passes them.
/// - The reader holds the keys of open objects (at most `maxColumns` at once) and one token (at most `maxTokenBytes`).
///
/// The text must be strict JSON (``JSONReader``: UTF-8, no duplicate keys, nothing after the document, nesting at most
/// `maxDepth`). Other members of the top object (`params`, `index`) are read and ignored, as are columns and keys
/// that are not features. The body names exactly one shape. A missing (`null`) cell, or a record without a feature,
/// takes the feature's median when `medians` are given (the model imputes) and is an error otherwise; numbers that
/// overflow a double are refused as not finite; other values are not numbers. More than `maxRows` rows is a
/// ``JSONInputError/Code/tooManyRows`` error as soon as the next row starts.
package struct MLflowJSONParser {
    /// Column names in `dataframe_split`, values in one of its rows, keys held at once: more is refused.
    package static let defaultMaxColumns = 100_000
    /// The longest string, key or number: longer is refused.
    package static let defaultMaxTokenBytes = 64 << 10

    var reader: JSONReader
    var decoder: MLflowShapeDecoder
    /// A `dataframe_split` whose `data` came before its `columns`: the data's text, read again as it is drained.
    var dataReplay: DataReplay?
    /// The most ``retainedBytes`` has been after a buffer was read or a part drained.
    package private(set) var peakRetainedBytes = 0

    /// - Parameters:
    ///   - features: the model's feature names, in its order.
    ///   - medians: one per feature, for missing cells; nil when the model does not impute.
    ///   - maxRows: the most rows the body may carry.
    ///   - maxDepth: the deepest nesting of arrays and objects the text may have.
    ///   - maxColumns: the most column names, values in a row of `dataframe_split`, or keys held at once.
    ///   - maxTokenBytes: the longest string, key or number.
    package init(
        features: [String],
        medians: [Double]?,
        maxRows: Int,
        maxDepth: Int,
        maxColumns: Int = MLflowJSONParser.defaultMaxColumns,
        maxTokenBytes: Int = MLflowJSONParser.defaultMaxTokenBytes,
        sourceName: String = "body"
    ) {
        precondition(!features.isEmpty, "a model has at least one feature")
        precondition(medians == nil || medians!.count == features.count, "one median per feature")
        reader = JSONReader(maxDepth: maxDepth, maxKeys: maxColumns, maxTokenBytes: maxTokenBytes, sourceName: sourceName)
        decoder = MLflowShapeDecoder(features: features, medians: medians, maxRows: maxRows, maxColumns: maxColumns)
    }

    /// Rows read so far, drained or not (for `inputs` as columns and `data` before `columns`: those read again).
    package var rowCount: Int { decoder.rowCount + (dataReplay?.decoder.rowCount ?? 0) }

    /// Complete rows not yet drained, counting rows whose text is kept to be read again.
    package var pendingRowCount: Int {
        decoder.pendingRows + (decoder.columnsComplete ? decoder.rowCount - decoder.transposedRows : 0) + (dataReplay?.rowsLeft ?? 0)
    }

    /// The bytes the parser holds now (capacities): the reader's, the rows not yet drained, kept text.
    package var retainedBytes: Int {
        reader.retainedBytes + decoder.retainedBytes + (dataReplay?.retainedBytes ?? 0)
    }

    /// Reads the next part of the body.
    /// - Throws: ``JSONInputError`` at the first problem.
    package mutating func parse(_ bytes: UnsafeRawBufferPointer) throws {
        defer {
            decoder.buffer = UnsafeRawBufferPointer(start: nil, count: 0)
            peakRetainedBytes = max(peakRetainedBytes, retainedBytes)
        }
        decoder.buffer = bytes
        decoder.bufferStart = reader.consumed
        try reader.read(bytes, into: &decoder)
        decoder.keepCapturedText()
        if decoder.columnsKnown, let data = decoder.capturedData {
            decoder.capturedData = nil
            dataReplay = DataReplay(text: data, rows: decoder.capturedRows, split: decoder, reader: reader)
        }
    }

    /// Ends the body, refusing it if it is incomplete.
    package mutating func finish() throws {
        try reader.finish(into: &decoder)
        precondition(decoder.state == .finished, "a complete document closes the top object")
    }

    /// Hands the complete rows read so far to `body`, row-major, at most `maxRows` at a time, and forgets them.
    /// - Throws: what `body` throws, and ``JSONInputError`` for a bad value in kept text, which is read only now.
    package mutating func drainRows(maxRows: Int, _ body: (UnsafeBufferPointer<Double>) throws -> Void) throws {
        try decoder.drainRows(maxRows: maxRows, body)
        if dataReplay != nil { try dataReplay!.drain(maxRows: maxRows, body) }
        let drainPeak = max(decoder.drainPeakBytes, dataReplay?.drainPeakBytes ?? 0)
        peakRetainedBytes = max(peakRetainedBytes, reader.retainedBytes + drainPeak)
    }
}

/// The `data` of a `dataframe_split` that came before its `columns`, read again through a decoder of its own that
/// knows the columns, a piece at a time so that only a piece's rows are pending at once.
struct DataReplay {
    static let pieceBytes = 16 << 10

    var text: CapturedText
    var reader: JSONReader
    var decoder: MLflowShapeDecoder
    var rowsLeft: Int
    var drainPeakBytes = 0

    init(text: CapturedText, rows: Int, split: MLflowShapeDecoder, reader main: JSONReader) {
        self.text = text
        rowsLeft = rows
        reader = JSONReader(maxDepth: main.maxDepth, maxKeys: main.maxKeys, maxTokenBytes: main.maxTokenBytes, sourceName: main.sourceName)
        decoder = MLflowShapeDecoder(replayingDataOf: split)
    }

    var retainedBytes: Int { text.allocatedBytes + reader.retainedBytes + decoder.retainedBytes }

    mutating func drain(maxRows: Int, _ body: (UnsafeBufferPointer<Double>) throws -> Void) throws {
        let width = decoder.width
        while !text.isExhausted {
            try text.feed(maxBytes: Self.pieceBytes, to: &reader, &decoder)
            if text.isExhausted { try reader.finish(into: &decoder) }
            drainPeakBytes = max(drainPeakBytes, retainedBytes)
            try decoder.drainRows(maxRows: maxRows) { rows in
                rowsLeft -= rows.count / width
                try body(rows)
            }
        }
    }
}

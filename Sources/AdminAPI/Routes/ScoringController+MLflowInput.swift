import Datasets
import Hummingbird
import Modeling

extension ScoringController {
    /// Scores a JSON body in MLflow's shapes as it streams in: ``MLflowJSONParser`` reads each buffer straight into
    /// rows of the model's features (no JSON object tree), which are scored whenever a chunk's worth is complete.
    ///
    /// ```json
    /// {"dataframe_split": {"columns": ["amount", "hour"], "data": [[12.5, 3], [900, 2]]}}
    /// {"dataframe_records": [{"amount": 12.5, "hour": 3}]}
    /// {"instances": [{"amount": 12.5, "hour": 3}]}    or  {"instances": [[12.5, 3]]}   (model order)
    /// {"inputs": {"amount": [12.5, 900], "hour": [3, 2]}}   or  {"inputs": [[12.5, 3]]}
    /// ```
    /// Missing or null cells follow the model's missing-value policy (its training medians for `impute-median`).
    ///
    /// Whatever the body, the parser holds at most the body's own bytes plus a chunk (MLflowJSONParser's bounds); this
    /// loop adds that it sees at most 64 KiB of the body between drains, so rows as short as `{},` cannot pile up in a
    /// large network buffer. Past the parser's limits the answer is 413: `too_many_columns` (more than 100,000 column
    /// names, values in a row, or keys at once) or `too_long` (a string, key or number over 64 KiB).
    func scoreJSON(_ body: RequestBody, model: ModelArtifact, maxDepth: Int) async throws -> DoubleBlocks {
        let manifest = model.manifest
        var parser = MLflowJSONParser(
            features: manifest.featureNames,
            medians: manifest.missingValues == MissingValuePolicy.imputeMedian.rawValue ? manifest.features.map(\.median) : nil,
            maxRows: maxRows,
            maxDepth: maxDepth
        )
        var scores = DoubleBlocks()
        do {
            var received = 0
            for try await buffer in body {
                try count(buffer, into: &received)
                try buffer.withUnsafeReadableBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let end = min(bytes.count, offset + Self.jsonPieceBytes)
                        try parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                        offset = end
                        if parser.pendingRowCount >= Self.chunkRows {
                            try parser.drainRows(maxRows: Self.chunkRows) { Self.score($0, with: model, into: &scores) }
                        }
                    }
                }
            }
            try parser.finish()
            try parser.drainRows(maxRows: Self.chunkRows) { Self.score($0, with: model, into: &scores) }
        } catch let error as JSONInputError {
            throw Self.apiError(error, maxRows: maxRows)
        }
        return scores
    }

    static let jsonPieceBytes = 64 << 10

    /// The HTTP answer to a body the parser refused: the limits are 413, as the body limit is.
    static func apiError(_ error: JSONInputError, maxRows: Int) -> APIError {
        switch error.code {
        case .tooManyRows:
            return tooManyRows(maxRows)
        case .tooManyColumns, .tooManyKeys:
            return APIError(.contentTooLarge, code: "too_many_columns", error.description)
        case .tooLong:
            return APIError(.contentTooLarge, code: "too_long", error.description)
        default:
            return JSONBody.apiError(error)
        }
    }
}

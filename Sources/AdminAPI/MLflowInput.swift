import Datasets
import Hummingbird
import Modeling

extension ScoringRoutes {
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
                try buffer.withUnsafeReadableBytes { try parser.parse($0) }
                if parser.pendingRowCount >= Self.chunkRows {
                    parser.drainRows(maxRows: Self.chunkRows) { Self.score($0, with: model, into: &scores) }
                }
            }
            try parser.finish()
            parser.drainRows(maxRows: Self.chunkRows) { Self.score($0, with: model, into: &scores) }
        } catch let error as JSONInputError {
            throw error.code == .tooManyRows ? Self.tooManyRows(maxRows) : JSONBody.apiError(error)
        }
        return scores
    }
}

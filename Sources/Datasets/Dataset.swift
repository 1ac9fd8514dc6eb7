/// A whole data set in memory, for fitting a model.
///
/// Load it with ``load(csv:format:selection:missing:)`` or ``load(sql:pool:selection:missing:)``; scoring
/// streams through ``CSVFileSource`` or ``SQLSource`` instead, so that input of any size fits in memory.
///
/// ```swift
/// let data = try Dataset.load(csv: "train.csv.gz", selection: .init(id: "id", label: "is_fraud"), missing: .imputeMedian)
/// print(data.rowCount, data.featureNames, data.medians ?? [])
/// let first = data.row(0)   // the first row's feature values
/// ```
package struct Dataset: Sendable, Equatable {
    /// The feature columns, in the order of each row's values.
    package var featureNames: [String]
    package var rowCount: Int
    /// Row-major: `features[row * featureCount + column]`.
    package var features: [Double]
    /// One per row, when the selection named an id column.
    package var ids: [String]?
    /// One per row, when the selection named a label column.
    package var labels: [Double]?
    /// Per feature, the median that replaced missing cells under ``MissingValuePolicy/imputeMedian``
    /// (computed from this data's non-missing values); nil under the other policies. A model keeps these to
    /// fill missing cells the same way when it scores.
    package var medians: [Double]?
    /// Rows dropped under ``MissingValuePolicy/skip``.
    package var skippedRows: Int
    /// The column the ids came from.
    package var idColumn: String?
    /// The column the labels came from.
    package var labelColumn: String?

    package init(
        featureNames: [String],
        rowCount: Int,
        features: [Double],
        ids: [String]? = nil,
        labels: [Double]? = nil,
        medians: [Double]? = nil,
        skippedRows: Int = 0,
        idColumn: String? = nil,
        labelColumn: String? = nil
    ) {
        precondition(features.count == rowCount * featureNames.count, "features must hold rowCount × featureCount values")
        self.featureNames = featureNames
        self.rowCount = rowCount
        self.features = features
        self.ids = ids
        self.labels = labels
        self.medians = medians
        self.skippedRows = skippedRows
        self.idColumn = idColumn
        self.labelColumn = labelColumn
    }

    package var featureCount: Int { featureNames.count }

    /// The feature values of one row.
    package func row(_ index: Int) -> ArraySlice<Double> {
        features[(index * featureCount)..<((index + 1) * featureCount)]
    }
}

/// Collects chunks into a ``Dataset``.
struct DatasetBuilder {
    let columns: SourceColumns
    let missing: MissingValuePolicy
    let sourceName: String
    private var features: [Double] = []
    private var ids: [String]?
    private var labels: [Double]?
    private var rowCount = 0

    init(columns: SourceColumns, missing: MissingValuePolicy, sourceName: String) {
        self.columns = columns
        self.missing = missing
        self.sourceName = sourceName
        ids = columns.idColumn == nil ? nil : []
        labels = columns.labelColumn == nil ? nil : []
    }

    mutating func add(_ chunk: RowChunk) {
        features.append(contentsOf: chunk.features)
        if let chunkIDs = chunk.ids { ids?.append(contentsOf: chunkIDs) }
        if let chunkLabels = chunk.labels { labels?.append(contentsOf: chunkLabels) }
        rowCount += chunk.rowCount
    }

    /// Fills missing cells with each column's median under `.imputeMedian`, and returns the data set.
    /// - Throws: ``DatasetError`` `.missingValue` when a column has no value at all to take a median of.
    func finish(skippedRows: Int) throws -> Dataset {
        var dataset = Dataset(
            featureNames: columns.featureNames,
            rowCount: rowCount,
            features: features,
            ids: ids,
            labels: labels,
            skippedRows: skippedRows,
            idColumn: columns.idColumn,
            labelColumn: columns.labelColumn
        )
        guard missing == .imputeMedian, rowCount > 0 else { return dataset }
        let summaries = dataset.columnSummaries()
        if let empty = summaries.first(where: { $0.count == 0 }) {
            throw DatasetError(
                code: .missingValue,
                message: "column \(quoted(empty.name)) has no values at all, so there is no median to fill it with; "
                    + "leave it out of the features",
                source: sourceName
            )
        }
        let medians = summaries.map(\.median)
        let featureCount = dataset.featureCount
        dataset.features.withUnsafeMutableBufferPointer { values in
            for index in values.indices where values[index].isNaN {
                values[index] = medians[index % featureCount]
            }
        }
        dataset.medians = medians
        return dataset
    }
}

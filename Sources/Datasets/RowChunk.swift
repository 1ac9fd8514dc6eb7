/// A block of rows read from a data source, with the selected columns only.
///
/// Features are row-major (`features[r * featureCount + c]`), ready for a detector; ids and labels are
/// present when the selection names an id or label column.
package struct RowChunk: Sendable, Equatable {
    package var rowCount: Int
    package var featureCount: Int
    package var features: [Double]
    package var ids: [String]?
    package var labels: [Double]?

    package init(rowCount: Int, featureCount: Int, features: [Double], ids: [String]? = nil, labels: [Double]? = nil) {
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.features = features
        self.ids = ids
        self.labels = labels
    }
}

/// Which columns of a source are features, and which (if any) identify rows or carry the label.
package struct ColumnSelection: Sendable, Equatable {
    /// The feature columns in this order; `nil` means every column that is neither the id nor the label.
    package var features: [String]?
    package var id: String?
    package var label: String?

    package init(features: [String]? = nil, id: String? = nil, label: String? = nil) {
        self.features = features
        self.id = id
        self.label = label
    }
}

/// What to do with a feature cell that is empty or NaN.
package enum MissingValuePolicy: String, Sendable, CaseIterable {
    /// Refuse the input, naming file, line and column.
    case error
    /// Drop the whole row.
    case skip
    /// Replace the cell by the column's median: the training data's own when fitting, the model's when scoring.
    case imputeMedian = "impute-median"
}

/// The dialect of a CSV input.
package struct CSVFormat: Sendable, Equatable {
    package var delimiter: UInt8
    package var hasHeader: Bool

    package init(delimiter: UInt8 = UInt8(ascii: ","), hasHeader: Bool = true) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
    }
}

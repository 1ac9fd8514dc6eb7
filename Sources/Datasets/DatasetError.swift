/// Why a data source could not be read: the input is malformed, a value is unusable, or the column
/// selection does not fit the input.
///
/// ``description`` leads with where the problem is, as compilers do, so an editor or a terminal can jump
/// to it: `data.csv:14:3: the cell is not a number (column "f2")`. SQL sources name `query` instead of a file,
/// and count lines in the CSV text the query produced (line 1 is the header). Messages never quote the input's
/// content: they are stored on job runs and returned by the API, and an input may be any file its reader can open.
///
/// ```swift
/// do { _ = try Dataset.load(csv: "train.csv") }
/// catch let error as DatasetError where error.code == .missingValue { print(error) }
/// ```
package struct DatasetError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Static lets rather than an enum, so new kinds do not break callers' switches.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }

        /// The input has no header row (or, without a header, no row at all).
        package static let emptyInput = Code(name: "empty_input")
        /// Not well-formed CSV: a row with the wrong number of fields, a stray quote, a bad header.
        package static let malformed = Code(name: "malformed_csv")
        /// A cell is not a number, not finite, or not a usable label.
        package static let invalidValue = Code(name: "invalid_value")
        /// A feature cell is empty or NaN under the `error` policy, or a label is missing.
        package static let missingValue = Code(name: "missing_value")
        /// The column selection names columns the input lacks, or is contradictory.
        package static let columnSelection = Code(name: "column_selection")
        /// The SQL query is empty.
        package static let invalidQuery = Code(name: "invalid_query")
        /// The file could not be opened or read, or its gzip compression is damaged.
        package static let io = Code(name: "io")
        /// The input holds more bytes than its reader accepts (counted after decompression).
        package static let tooLarge = Code(name: "input_too_large")
    }

    package var code: Code
    /// What is wrong, without the location.
    package var message: String
    /// The file path, or `query` for a SQL source.
    package var source: String
    /// 1-based physical line in the input, when the problem is on one.
    package var line: Int?
    /// 1-based field index in the row, when the problem is in one cell.
    package var column: Int?

    package init(code: Code, message: String, source: String, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.message = message
        self.source = source
        self.line = line
        self.column = column
    }

    /// `source:line:column: message`, leaving out the parts that are unknown.
    package var description: String {
        var location = source
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(message)"
    }
}

/// Why a JSON input could not be read: it is not JSON, not UTF-8, nested too deeply, not the expected shape, holds
/// an unusable value, or passes a limit the caller set (rows, columns, keys, the length of a token).
///
/// Errors in the text itself name where they are, as ``DatasetError`` does for CSV: `body:3:14: expected ',' or ']',
/// found '}'` (lines from 1, columns in bytes from 1). Errors about the content name the row and the feature instead.
///
/// ```swift
/// do { try JSONReader.validate(bytes, maxDepth: 32) }
/// catch let error as JSONInputError where error.code == .encoding { print("send UTF-8:", error) }
/// ```
package struct JSONInputError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Static lets rather than an enum, so new kinds do not break callers' switches.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }

        /// Not JSON (RFC 8259): a stray character, a malformed number, string or literal, a duplicate key, anything
        /// after the document, or an early end.
        package static let syntax = Code(name: "syntax")
        /// Arrays and objects nest deeper than the reader allows.
        package static let tooDeep = Code(name: "too_deep")
        /// The bytes are not UTF-8: a UTF-16 or UTF-32 byte order mark, a NUL byte, or an invalid UTF-8 sequence.
        package static let encoding = Code(name: "encoding")
        /// Well-formed JSON in a shape the reader does not take, such as an MLflow body without its features.
        package static let shape = Code(name: "shape")
        /// A value that cannot be used: not a number, not finite, or missing where nothing imputes it.
        package static let value = Code(name: "value")
        /// More rows than the caller allows.
        package static let tooManyRows = Code(name: "too_many_rows")
        /// More columns than the caller allows: names in a column list, or values in one row.
        package static let tooManyColumns = Code(name: "too_many_columns")
        /// More keys held at once than the reader allows: an object's keys and those of the objects around it.
        package static let tooManyKeys = Code(name: "too_many_keys")
        /// A string, key or number longer than the reader allows.
        package static let tooLong = Code(name: "too_long")
    }

    package var code: Code
    /// What is wrong, without the location.
    package var message: String
    /// How the input is named in ``description``: `body` for a request body.
    package var source: String
    /// 1-based line of the problem in the text, for errors in the text itself.
    package var line: Int?
    /// 1-based byte column in that line.
    package var column: Int?

    package init(code: Code, message: String, source: String = "body", line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.message = message
        self.source = source
        self.line = line
        self.column = column
    }

    /// `source:line:column: message` for errors in the text, the message alone for errors about the content.
    package var description: String {
        guard let line, let column else { return message }
        return "\(source):\(line):\(column): \(message)"
    }
}

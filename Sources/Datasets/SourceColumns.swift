/// The columns of an input and which of them a source delivers, known once the header has been read.
///
/// ```swift
/// let source = try CSVFileSource(path: "payments.csv", selection: .init(id: "payment_id"))
/// print(source.columns.featureNames)   // every column but payment_id
/// ```
package struct SourceColumns: Sendable, Equatable {
    /// Every column of the input in order: the header's names, or `c1…cN` for input without a header.
    package var columnNames: [String]
    /// The feature columns, in the order their values appear in each ``RowChunk`` row.
    package var featureNames: [String]
    /// The column whose values become ``RowChunk/ids``.
    package var idColumn: String?
    /// The column whose values become ``RowChunk/labels``.
    package var labelColumn: String?

    package init(columnNames: [String], featureNames: [String], idColumn: String? = nil, labelColumn: String? = nil) {
        self.columnNames = columnNames
        self.featureNames = featureNames
        self.idColumn = idColumn
        self.labelColumn = labelColumn
    }
}

/// What the parser does with each input column: the resolved form of a ``ColumnSelection``.
struct ColumnLayout {
    /// Per input column: the feature index (≥ 0), or one of the negative roles below.
    let roles: [Int]
    let columns: SourceColumns

    static let ignored = -1
    static let id = -2
    static let label = -3

    var featureCount: Int { columns.featureNames.count }
    var columnCount: Int { roles.count }

    /// Checks the header and maps the selection onto it. Errors name what the selection asked for, never the header's
    /// own text: the first line of a file that is not CSV at all may be a secret.
    /// - Parameters:
    ///   - header: the names of the input's columns.
    ///   - line: the header's line, for errors in it.
    static func resolve(header: [String], selection: ColumnSelection, source: String, line: Int) throws -> ColumnLayout {
        var index: [String: Int] = [:]
        for (position, name) in header.enumerated() {
            if name.allSatisfy(\.isWhitespace) {
                throw DatasetError(code: .malformed, message: "column \(position + 1) of the header has no name", source: source, line: line)
            }
            if let earlier = index[name] {
                throw DatasetError(
                    code: .malformed,
                    message: "columns \(earlier + 1) and \(position + 1) of the header have the same name",
                    source: source,
                    line: line
                )
            }
            index[name] = position
        }
        func fail(_ message: String) -> DatasetError { DatasetError(code: .columnSelection, message: message, source: source) }

        let requested = [selection.id, selection.label].compactMap { $0 } + (selection.features ?? [])
        // "Missing", not "unknown": the name is the model's or the caller's and is right; the input lacks it.
        var missing: [String] = []
        for name in requested where index[name] == nil && !missing.contains(name) { missing.append(name) }
        if !missing.isEmpty {
            let noun = missing.count == 1 ? "column" : "columns"
            let width = header.count == 1 ? "1 column" : "\(header.count) columns"
            throw fail("missing \(noun) \(list(missing)) (the input's header has \(width))")
        }
        if let id = selection.id, id == selection.label {
            throw fail("column \(quoted(id)) cannot be both the id and the label")
        }
        var featureNames: [String]
        if let features = selection.features {
            var seen: Set<String> = []
            for name in features {
                if name == selection.id || name == selection.label {
                    let role = name == selection.id ? "id" : "label"
                    throw fail("column \(quoted(name)) is the \(role) and cannot also be a feature")
                }
                guard seen.insert(name).inserted else { throw fail("feature column \(quoted(name)) is listed twice") }
            }
            featureNames = features
        } else {
            featureNames = header.filter { $0 != selection.id && $0 != selection.label }
        }
        guard !featureNames.isEmpty else {
            throw fail("no feature columns: the input's \(header.count) columns are all taken by the id and the label")
        }

        var roles = [Int](repeating: ignored, count: header.count)
        for (feature, name) in featureNames.enumerated() { roles[index[name]!] = feature }
        if let id = selection.id { roles[index[id]!] = Self.id }
        if let label = selection.label { roles[index[label]!] = Self.label }
        return ColumnLayout(
            roles: roles,
            columns: SourceColumns(columnNames: header, featureNames: featureNames, idColumn: selection.id, labelColumn: selection.label)
        )
    }

    /// `"a", "b", "c"`, shortened after 40 names so an error about a 500-column file stays readable.
    static func list(_ names: [String]) -> String {
        let shown = names.prefix(40).map(quoted).joined(separator: ", ")
        return names.count > 40 ? shown + " and \(names.count - 40) more" : shown
    }
}

/// A column name in double quotes, as error messages show them.
func quoted(_ text: String) -> String {
    "\"\(text)\""
}

package import Postgres

/// Reads the result of a SQL query chunk by chunk, streamed from Postgres with
/// `COPY (query) TO STDOUT WITH (FORMAT csv, HEADER true)` and parsed like a CSV file.
///
/// The query is executed as given, inside a read-only transaction: it must be one SELECT (or VALUES,
/// TABLE, WITH … SELECT) written by someone trusted, never text pasted together from user input. A trailing
/// semicolon is allowed. NULL arrives as an empty cell, so it is a missing value (and an empty id).
///
/// Rows stream through: while `body` handles a chunk, no more data is read and the server waits, so memory
/// holds one chunk and one block of COPY data whatever the size of the result. Errors in the data name
/// `query` and the line of the CSV text the server produced (line 1 is the header).
///
/// ```swift
/// let source = SQLSource(query: "SELECT id, amount, age FROM payments", pool: pool, selection: .init(id: "id"))
/// let summary = try await source.read(maxRows: 65_536) { chunk, columns in
///     try await sink.write(ids: chunk.ids!, scores: detector.score(chunk.features, rowCount: chunk.rowCount))
/// }
/// print(summary.rowsRead)
/// ```
package struct SQLSource: Sendable {
    /// How errors in the data name a SQL source.
    package static let sourceName = "query"

    package let query: String
    package let pool: PostgresPool
    package let selection: ColumnSelection
    package let missing: MissingValuePolicy
    package let medians: [Double]?

    /// - Parameters:
    ///   - medians: per selected feature, the values that replace missing cells under `.imputeMedian`
    ///     (from the model, when scoring); nil leaves missing cells NaN.
    package init(
        query: String,
        pool: PostgresPool,
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error,
        medians: [Double]? = nil
    ) {
        self.query = query
        self.pool = pool
        self.selection = selection
        self.missing = missing
        self.medians = medians
    }

    /// What a finished read found.
    package struct Summary: Sendable, Equatable {
        package var columns: SourceColumns
        /// Rows delivered to `body`.
        package var rowsRead: Int
        /// Rows dropped because a feature was missing under ``MissingValuePolicy/skip``.
        package var rowsSkipped: Int
    }

    /// Runs the query and calls `body` with each chunk of at most `maxRows` rows, in order.
    ///
    /// - Parameter body: receives a chunk and the result's columns; a throw stops the query.
    /// - Returns: the columns and row counts (also when the result had no rows).
    /// - Throws: ``DatasetError`` for data that cannot be used, the server's ``PostgresError`` when the query
    ///   fails (also midway, after some chunks were delivered), or whatever `body` threw.
    @discardableResult
    package func read(maxRows: Int, _ body: (RowChunk, SourceColumns) async throws -> Void) async throws -> Summary {
        precondition(maxRows > 0, "maxRows must be positive")
        // On lines of its own, so a `--` comment at the end of the query cannot swallow the closing parenthesis.
        let statement = "COPY (\n\(try Self.trimmed(query))\n) TO STDOUT WITH (FORMAT csv, HEADER true)"
        var parser = try CSVParser(selection: selection, missing: missing, medians: medians, sourceName: Self.sourceName)
        try await pool.withConnection { connection in
            try await connection.withTransaction { connection in
                try await connection.execute("SET TRANSACTION READ ONLY")
                try await connection.copyOut(statement) { block in
                    var offset = 0
                    while offset < block.count {
                        offset += try block.withUnsafeBytes { bytes in
                            try parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]), maxRows: maxRows)
                        }
                        if parser.pendingRowCount >= maxRows { try await body(parser.takeChunk(), parser.columns!) }
                    }
                }
            }
        }
        while true {
            let done = try parser.finish(maxRows: maxRows)
            if parser.pendingRowCount > 0 { try await body(parser.takeChunk(), parser.columns!) }
            if done { break }
        }
        return Summary(columns: parser.columns!, rowsRead: parser.rowsRead, rowsSkipped: parser.rowsSkipped)
    }

    /// The query without surrounding whitespace and trailing semicolons, which cannot stand inside `COPY (…)`.
    static func trimmed(_ query: String) throws -> String {
        var text = Substring(query)
        while let last = text.last, last.isWhitespace || last == ";" { text.removeLast() }
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        guard !text.isEmpty else { throw DatasetError(code: .invalidQuery, message: "the query is empty", source: sourceName) }
        return String(text)
    }
}

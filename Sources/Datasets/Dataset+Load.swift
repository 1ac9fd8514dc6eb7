package import Postgres

extension Dataset {
    /// Reads a whole CSV file, plain or gzip-compressed. Blocking: call it on a thread that may block.
    ///
    /// Under `.imputeMedian` each feature's median is computed over its non-missing values, fills the
    /// missing cells, and is returned in ``medians``.
    ///
    /// ```swift
    /// let data = try Dataset.load(csv: "train.csv", selection: .init(label: "label"), missing: .skip)
    /// print("\(data.rowCount) rows, \(data.skippedRows) dropped for missing values")
    /// ```
    /// - Throws: ``DatasetError`` naming the file, line and column of the first problem.
    package static func load(
        csv path: String,
        format: CSVFormat = .init(),
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error
    ) throws -> Dataset {
        let source = try CSVFileSource(path: path, format: format, selection: selection, missing: missing)
        var builder = DatasetBuilder(columns: source.columns, missing: missing, sourceName: path)
        while let chunk = try source.nextChunk(maxRows: loadChunkRows) { builder.add(chunk) }
        return try builder.finish(skippedRows: source.rowsSkipped)
    }

    /// Runs a query and reads its whole result, streamed through `COPY … TO STDOUT`.
    ///
    /// The query is executed as given, in a read-only transaction: it must be a single SELECT (or VALUES,
    /// TABLE, WITH … SELECT) written by someone trusted. Missing values are handled as in
    /// ``load(csv:format:selection:missing:)``; NULL is a missing value.
    ///
    /// ```swift
    /// let data = try await Dataset.load(sql: "SELECT id, amount, age FROM payments WHERE day > now() - interval '30 days'",
    ///                                   pool: pool, selection: .init(id: "id"))
    /// ```
    /// - Throws: ``DatasetError`` (naming `query` and the line of the CSV result), or the server's
    ///   ``PostgresError`` when the query fails.
    package static func load(
        sql query: String,
        pool: PostgresPool,
        selection: ColumnSelection = .init(),
        missing: MissingValuePolicy = .error
    ) async throws -> Dataset {
        let source = SQLSource(query: query, pool: pool, selection: selection, missing: missing)
        var builder: DatasetBuilder?
        let summary = try await source.read(maxRows: loadChunkRows) { chunk, columns in
            if builder == nil { builder = DatasetBuilder(columns: columns, missing: missing, sourceName: SQLSource.sourceName) }
            builder!.add(chunk)
        }
        let result = builder ?? DatasetBuilder(columns: summary.columns, missing: missing, sourceName: SQLSource.sourceName)
        return try result.finish(skippedRows: summary.rowsSkipped)
    }

    private static let loadChunkRows = 65_536
}

import Datasets
import Postgres
import TestSupport
import Testing

@Suite("SQL sources stream query results through COPY (real Postgres)")
struct SQLSourceTests {
    /// 10,000 rows: ids with commas, quotes and line breaks; a NULL in `b` every 100 rows; a boolean label.
    func makeTable(_ pool: PostgresPool) async throws {
        try await pool.execute(
            """
            CREATE TABLE events AS
            SELECT i AS n,
                   CASE WHEN i % 3 = 0 THEN 'id, "' || i || E'"\\nnext' ELSE 'e' || i END AS id,
                   i * 0.5::float8 AS a,
                   CASE WHEN i % 100 = 0 THEN NULL ELSE i::float8 / 3 END AS b,
                   i % 7 = 0 AS flagged
            FROM generate_series(1, 10000) AS i
            """
        )
    }

    @Test("10,000 rows arrive in several chunks with ids, labels and NULLs as missing values")
    func streaming() async throws {
        try await ScratchDatabase.with { pool, _ in
            try await makeTable(pool)
            let source = SQLSource(
                query: "SELECT id, a, b, flagged FROM events ORDER BY n;  ",
                pool: pool,
                selection: .init(id: "id", label: "flagged"),
                missing: .imputeMedian,
                medians: [0, -1]
            )
            var chunks: [RowChunk] = []
            let summary = try await source.read(maxRows: 1_500) { chunk, columns in
                #expect(columns.featureNames == ["a", "b"])
                chunks.append(chunk)
            }
            #expect(chunks.map(\.rowCount) == [1_500, 1_500, 1_500, 1_500, 1_500, 1_500, 1_000])
            #expect(summary.rowsRead == 10_000)
            #expect(summary.columns.columnNames == ["id", "a", "b", "flagged"])
            let ids = chunks.flatMap { $0.ids! }
            let features = chunks.flatMap(\.features)
            let labels = chunks.flatMap { $0.labels! }
            for i in [1, 2, 3, 99, 100, 700, 9_999, 10_000] {
                let row = i - 1
                #expect(ids[row] == (i % 3 == 0 ? "id, \"\(i)\"\nnext" : "e\(i)"))
                #expect(features[row * 2] == Double(i) * 0.5)
                #expect(features[row * 2 + 1] == (i % 100 == 0 ? -1 : Double(i) / 3))
                #expect(labels[row] == (i % 7 == 0 ? 1 : 0))
            }
        }
    }

    @Test("Dataset.load(sql:) fills NULLs with medians; skip drops their rows")
    func loadDataset() async throws {
        try await ScratchDatabase.with { pool, _ in
            try await makeTable(pool)
            let imputed = try await Dataset.load(
                sql: "SELECT n, b FROM events WHERE n <= 200",
                pool: pool,
                selection: .init(id: "n"),
                missing: .imputeMedian
            )
            #expect(imputed.rowCount == 200)
            // b is n/3 for n = 1…200 without 100 and 200: the median of the 198 others is (99 + 101) / 2 / 3.
            let median = (99.0 / 3 + 101.0 / 3) / 2
            #expect(imputed.medians == [median])
            #expect(imputed.features[99] == median)
            let skipped = try await Dataset.load(sql: "SELECT b FROM events", pool: pool, missing: .skip)
            #expect(skipped.rowCount == 9_900)
            #expect(skipped.skippedRows == 100)
            let empty = try await Dataset.load(sql: "SELECT a FROM events WHERE false", pool: pool)
            #expect(empty.rowCount == 0)
            #expect(empty.featureNames == ["a"])
        }
    }

    @Test("a failing query surfaces the server's error, also when it fails midway")
    func failingQueries() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            try await makeTable(pool)
            let syntax = try await #require(throws: PostgresError.self) {
                try await SQLSource(query: "SELECT a FROM", pool: pool).read(maxRows: 100) { _, _ in }
            }
            #expect(syntax.sqlState == "42601")
            var delivered = 0
            let midway = try await #require(throws: PostgresError.self) {
                try await SQLSource(query: "SELECT 1.0 / (n - 9000) AS x FROM events ORDER BY n", pool: pool).read(maxRows: 100) { chunk, _ in
                    delivered += chunk.rowCount
                }
            }
            #expect(midway.sqlState == "22012")
            #expect(delivered <= 9_000)
            let writes = try await #require(throws: PostgresError.self) {
                try await SQLSource(query: "DELETE FROM events RETURNING n", pool: pool).read(maxRows: 100) { _, _ in }
            }
            #expect(writes.sqlState == "25006")
            // The one connection is still usable, and nothing was deleted.
            #expect(try await pool.query("SELECT count(*) FROM events").first!.decode(Int.self) == 10_000)
        }
    }

    @Test("bad data names the query, line and column; a throwing body stops the query")
    func dataErrors() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            try await makeTable(pool)
            let error = try await #require(throws: DatasetError.self) {
                try await SQLSource(query: "SELECT a, CASE WHEN n = 2 THEN 'abc' ELSE '1' END AS c FROM events ORDER BY n", pool: pool)
                    .read(maxRows: 100) { _, _ in }
            }
            #expect(error.description == "query:3:2: the cell is not a number (column \"c\")")
            let missing = try await #require(throws: DatasetError.self) {
                try await SQLSource(query: "SELECT b FROM events ORDER BY n", pool: pool).read(maxRows: 100) { _, _ in }
            }
            #expect(missing.description.hasPrefix("query:101:1: missing value in column \"b\""))
            let unknown = try await #require(throws: DatasetError.self) {
                try await SQLSource(query: "SELECT a FROM events", pool: pool, selection: .init(id: "id")).read(maxRows: 100) { _, _ in }
            }
            #expect(unknown.description == "query: missing column \"id\" (the input's header has 1 column)")
            struct Stop: Error {}
            await #expect(throws: Stop.self) {
                try await SQLSource(query: "SELECT a FROM events", pool: pool).read(maxRows: 10) { _, _ in throw Stop() }
            }
            #expect(try await pool.query("SELECT 1").first!.decode(Int.self) == 1)
            await #expect(throws: DatasetError.self) { try await SQLSource(query: " ; ", pool: pool).read(maxRows: 10) { _, _ in } }
        }
    }
}

import Postgres
import TestSupport
import Testing

@Suite("Prepared statements per connection (real Postgres)")
struct PreparedStatementTests {
    struct Item: Decodable {
        let id: Int
        let name: String
        let price: Double?
    }

    @Test("a repeated parameterised statement is prepared once per session, and still answers after its table changes shape")
    func preparedOnceAndReplanned() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            try await pool.withConnection { connection in
                try await connection.execute("CREATE TABLE items (id int, name text)")
                try await connection.execute("INSERT INTO items VALUES ($1, $2)", [1, "bolt"])
                for _ in 0..<3 { #expect(try await connection.query("SELECT * FROM items WHERE id = $1", [1]).count == 1) }
                let prepared = try await connection.query(
                    "SELECT statement FROM pg_prepared_statements WHERE statement LIKE $1 ORDER BY statement",
                    ["%items%"]
                ).decode(String.self)
                #expect(prepared == ["INSERT INTO items VALUES ($1, $2)", "SELECT * FROM items WHERE id = $1"])

                // The prepared SELECT * now returns another row type: Postgres refuses the cached plan, and the
                // statement is planned afresh instead of failing.
                try await connection.execute("ALTER TABLE items ADD COLUMN price float8")
                try await connection.execute("UPDATE items SET price = $1", [2.5])
                let items = try await connection.query("SELECT * FROM items WHERE id = $1", [1]).decode(Item.self)
                #expect(items.map(\.price) == [2.5])
                #expect(try await connection.query("SELECT * FROM items WHERE id = $1", [1]).decode(Item.self).count == 1)
            }
        }
    }

    @Test("inside a transaction a stale plan fails the statement (the transaction is aborted), and the next transaction works")
    func stalePlanInTransaction() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            try await pool.execute("CREATE TABLE items (id int, name text)")
            try await pool.execute("INSERT INTO items VALUES ($1, $2)", [1, "bolt"])
            _ = try await pool.query("SELECT * FROM items WHERE id = $1", [1])
            try await pool.execute("ALTER TABLE items ADD COLUMN price float8")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { try await $0.query("SELECT * FROM items WHERE id = $1", [1]) }
            }
            #expect(error?.sqlState == "0A000")
            let items = try await pool.withTransaction { try await $0.query("SELECT * FROM items WHERE id = $1", [1]).decode(Item.self) }
            #expect(items.count == 1)
        }
    }

    @Test("a statement that does not parse fails with the server's error, prepared or not")
    func syntaxError() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELEC name FROM x WHERE id = $1", [1]) }
            #expect(error?.sqlState == "42601")
            let sum = try await pool.query("SELECT $1::int + 1", [1]).decode(Int.self)
            #expect(sum == [2], "the session still works")
        }
    }
}

import Postgres
import TestSupport
import Testing

@Suite("COPY TO STDOUT (real Postgres)")
struct CopyOutTests {
    struct Deliberate: Error {}

    @Test("streams CSV output in blocks of whole rows and returns the row count")
    func copyOut() async throws {
        try await ScratchDatabase.with { pool, _ in
            try await pool.execute("CREATE TABLE items (id int8, name text, score float8)")
            try await pool.execute(
                "INSERT INTO items SELECT i, CASE WHEN i = 2 THEN E'a, \"quoted\"\\nname' WHEN i = 3 THEN NULL ELSE 'n' || i END, i / 4.0 "
                    + "FROM generate_series(1, 5000) AS i"
            )
            var blocks: [[UInt8]] = []
            let copied = try await pool.withConnection { connection in
                try await connection.copyOut(
                    "COPY (SELECT id, name, score FROM items ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true)",
                    blockSize: 4_096
                ) { block in
                    blocks.append(block)
                }
            }
            #expect(copied == 5_000)
            #expect(blocks.count > 10)
            #expect(blocks.allSatisfy { $0.last == 0x0A })
            let text = String(decoding: blocks.joined(), as: UTF8.self)
            #expect(text.hasPrefix("id,name,score\n1,n1,0.25\n2,\"a, \"\"quoted\"\"\nname\",0.5\n3,,0.75\n4,n4,1\n"))
            #expect(text.hasSuffix("5000,n5000,1250\n"))
        }
    }

    @Test("a statement that is not COPY TO STDOUT is refused and the connection stays usable")
    func notCopyOut() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            try await pool.execute("CREATE TABLE items (id int8)")
            for sql in ["SELECT 1", "COPY items FROM STDIN"] {
                let error = try await #require(throws: PostgresError.self) {
                    try await pool.withConnection { try await $0.copyOut(sql) { _ in } }
                }
                #expect(error.code == .copyFailed)
                #expect(try await pool.query("SELECT 2").first!.decode(Int.self) == 2)
            }
        }
    }

    @Test("a query failing midway surfaces the server's error after the rows before it")
    func failsMidway() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            var bytes = 0
            let error = try await #require(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try await connection.copyOut("COPY (SELECT 1 / (i - 20000) FROM generate_series(1, 30000) AS i) TO STDOUT", blockSize: 1_024) {
                        bytes += $0.count
                    }
                }
            }
            #expect(error.sqlState == "22012")
            #expect(bytes > 0)
            #expect(try await pool.query("SELECT 3").first!.decode(Int.self) == 3)
        }
    }

    @Test("a body that throws stops the COPY; the connection goes back to the pool idle")
    func bodyThrows() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            let before = try await pool.withConnection { $0.backendPID }
            await #expect(throws: Deliberate.self) {
                try await pool.withConnection { connection in
                    try await connection.copyOut("COPY (SELECT i, repeat('x', 100) FROM generate_series(1, 1000000) AS i) TO STDOUT") { _ in
                        throw Deliberate()
                    }
                }
            }
            #expect(try await pool.withConnection { $0.backendPID } == before)
            #expect(try await pool.query("SELECT 4").first!.decode(Int.self) == 4)
        }
    }
}

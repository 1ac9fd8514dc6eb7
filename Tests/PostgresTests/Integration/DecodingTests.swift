import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Decoding rows into Swift types (real Postgres)")
struct DecodingTests {
    enum Status: String, Codable { case queued, running }

    struct Spec: Codable, Equatable {
        let command: [String]
        let timeoutSeconds: Double?
    }

    struct Everything: Decodable {
        let flag: Bool
        let small: Int32
        let count: Int
        let big: Int64
        let ratio: Double
        let label: String
        let createdAt: Date
        let id: UUID
        let blob: Data
        let spec: Spec
        let status: Status
        let missing: String?
    }

    @Test("every supported type decodes from its column, and snake_case columns find camelCase properties")
    func decodesEveryType() async throws {
        try await ScratchDatabase.with { pool, _ in
            let id = UUID()
            let created = Date(timeIntervalSince1970: 1_795_000_000.123456)
            let rows = try await pool.query(
                """
                SELECT $1::boolean AS flag, $2::int4 AS small, $3::int8 AS count, $4::int8 AS big, $5::float8 AS ratio,
                       $6::text AS label, $7::timestamptz AS created_at, $8::uuid AS id, $9::bytea AS blob,
                       $10::jsonb AS spec, 'running'::text AS status, NULL::text AS missing
                """,
                [
                    true, Int32(-7), 42, Int64.max, 0.1 + 0.2, "tab\there \"quoted\" ünïcödé", created, id, Data([0, 1, 0xFF, 0x5C]),
                    try PostgresJSON(Spec(command: ["echo", "hi"], timeoutSeconds: 1.5)),
                ]
            )
            let value = try #require(rows.first).decode(Everything.self)
            #expect(value.flag == true)
            #expect(value.small == -7)
            #expect(value.count == 42)
            #expect(value.big == Int64.max)
            #expect(value.ratio == 0.1 + 0.2)
            #expect(value.label == "tab\there \"quoted\" ünïcödé")
            #expect(abs(value.createdAt.timeIntervalSince(created)) < 0.000_001)
            #expect(value.id == id)
            #expect(value.blob == Data([0, 1, 0xFF, 0x5C]))
            #expect(value.spec == Spec(command: ["echo", "hi"], timeoutSeconds: 1.5))
            #expect(value.status == .running)
            #expect(value.missing == nil)
        }
    }

    @Test("NULL decodes as nil for every optional type and is an error for a non-optional")
    func nulls() async throws {
        try await ScratchDatabase.with { pool, _ in
            let row = try #require(
                try await pool.query(
                    "SELECT NULL::bool AS b, NULL::int8 AS i, NULL::float8 AS d, NULL::text AS s, NULL::timestamptz AS t, NULL::uuid AS u, NULL::bytea AS y, NULL::jsonb AS j"
                ).first
            )
            #expect(try row.decode(Bool?.self, column: "b") == nil)
            #expect(try row.decode(Int?.self, column: "i") == nil)
            #expect(try row.decode(Double?.self, column: "d") == nil)
            #expect(try row.decode(String?.self, column: "s") == nil)
            #expect(try row.decode(Date?.self, column: "t") == nil)
            #expect(try row.decode(UUID?.self, column: "u") == nil)
            #expect(try row.decode(Data?.self, column: "y") == nil)
            #expect(try row.decode(Spec?.self, column: "j") == nil)
            let error = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "i") }
            #expect(error.code == .decoding)
            #expect(error.message.contains("column \"i\" is NULL"))
        }
    }

    @Test("NULL parameters bind as NULL and round-trip")
    func nullParameters() async throws {
        try await ScratchDatabase.with { pool, _ in
            let absent: String? = nil
            let row = try #require(try await pool.query("SELECT $1::text IS NULL AS is_null, $2::text AS present", [absent, Optional("x")]).first)
            #expect(try row.decode(Bool.self, column: "is_null"))
            #expect(try row.decode(String?.self, column: "present") == "x")
        }
    }

    @Test("special floating-point values and extreme integers survive the round trip")
    func specialNumbers() async throws {
        try await ScratchDatabase.with { pool, _ in
            let values: [Double] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-300]
            for value in values {
                let decoded = try #require(try await pool.query("SELECT $1::float8", [value]).first).decode(Double.self)
                if value.isNaN { #expect(decoded.isNaN) } else { #expect(decoded == value) }
            }
            let extremes = try #require(try await pool.query("SELECT $1::int8, $2::int8", [Int64.min, Int64.max]).first)
            #expect(try extremes.decode(Int64.self, at: 0) == .min)
            #expect(try extremes.decode(Int64.self, at: 1) == .max)
        }
    }

    @Test("arrays bind as Postgres arrays for = ANY($1)")
    func arrays() async throws {
        try await ScratchDatabase.with { pool, _ in
            let names = try await pool.query(
                "SELECT x FROM unnest(ARRAY['a', 'b,c', 'd\"e', 'f\\g']) AS x WHERE x = ANY($1) ORDER BY x",
                [["b,c", "d\"e", "f\\g", "zz"]]
            ).decode(String.self)
            #expect(names == ["b,c", "d\"e", "f\\g"])
        }
    }

    @Test("a type mismatch names the column and the value")
    func mismatch() async throws {
        try await ScratchDatabase.with { pool, _ in
            let row = try #require(try await pool.query("SELECT 'abc'::text AS word").first)
            let error = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "word") }
            #expect(error.message.contains("column \"word\""))
            #expect(error.message.contains("'abc'"))
            let missing = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "nope") }
            #expect(missing.message.contains("no column \"nope\""))
        }
    }
}

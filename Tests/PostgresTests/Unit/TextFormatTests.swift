import Foundation
import Testing

@testable import Postgres

@Suite("Postgres text representations")
struct TextFormatTests {
    @Test(
        "timestamps in every spelling the server sends",
        arguments: [
            ("2026-11-29 12:34:56+00", 1_795_955_696.0),
            ("2026-11-29 12:34:56.5+00", 1_795_955_696.5),
            ("2026-11-29 14:34:56.123456+02", 1_795_955_696.123456),
            ("2026-11-29 18:04:56+05:30", 1_795_955_696.0),
            ("2026-11-29T12:34:56Z", 1_795_955_696.0),
            ("1969-12-31 23:59:59+00", -1.0),
            ("2026-11-29", 1_795_910_400.0),
        ]
    )
    func parsesTimestamps(text: String, seconds: Double) throws {
        let date = try #require(PostgresTextFormat.parseTimestamp(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test("infinite timestamps map to the distant past and future")
    func infinity() {
        #expect(PostgresTextFormat.parseTimestamp("infinity") == .distantFuture)
        #expect(PostgresTextFormat.parseTimestamp("-infinity") == .distantPast)
        #expect(PostgresTextFormat.formatTimestamp(.distantFuture) == "infinity")
    }

    @Test("malformed timestamps are refused", arguments: ["", "2026-11-29 12:34", "2026/11/29", "2026-11-29 12:34:56+", "2026-11-29 12:34:56 junk"])
    func refusesGarbage(text: String) {
        #expect(PostgresTextFormat.parseTimestamp(text) == nil)
    }

    @Test("formatting keeps microseconds and round-trips, before and after 1970")
    func roundTrip() throws {
        for seconds in [0.0, 1_795_955_696.123456, -86_400.5, 253_402_300_799.999_999] {
            let date = Date(timeIntervalSince1970: seconds)
            let text = PostgresTextFormat.formatTimestamp(date)
            let parsed = try #require(PostgresTextFormat.parseTimestamp(text))
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 0.000_002, "\(text)")
        }
        #expect(PostgresTextFormat.formatTimestamp(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500000Z")
    }

    @Test("bytea hex decodes and refuses odd or non-hex input")
    func bytea() {
        func parse(_ text: String) -> [UInt8]? {
            Array(text.utf8).withUnsafeBufferPointer { PostgresTextFormat.parseByteaHex($0) }
        }
        #expect(parse("\\x00ff10Ab") == [0x00, 0xFF, 0x10, 0xAB])
        #expect(parse("\\x") == [])
        #expect(parse("\\x0") == nil)
        #expect(parse("\\xzz") == nil)
        #expect(parse("00ff") == nil)
        #expect(PostgresTextFormat.formatByteaHex([0x00, 0xFF, 0x5C]) == "\\x00ff5c")
    }

    @Test("identifiers are quoted part by part")
    func identifiers() {
        #expect(quotePostgresIdentifier("jobs") == "\"jobs\"")
        #expect(quotePostgresIdentifier("public.job_runs") == "\"public\".\"job_runs\"")
        #expect(quotePostgresIdentifier("odd\"name") == "\"odd\"\"name\"")
    }
}

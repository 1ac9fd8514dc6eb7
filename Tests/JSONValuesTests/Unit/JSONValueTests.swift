import Foundation
import JSONValues
import Testing

@Suite("JSON values")
struct JSONValueTests {
    /// Moved from RegistryTests with the type.
    @Test("JSON values keep integers apart from doubles and round-trip")
    func jsonValues() throws {
        let value = try JSONValue(json: Data(#"{"trees": 100, "rate": 0.25, "name": "x", "ok": true, "list": [1, null]}"#.utf8))
        #expect(value["trees"] == .integer(100))
        #expect(value["rate"] == .number(0.25))
        #expect(value["ok"] == .bool(true))
        #expect(value["list"] == .array([.integer(1), .null]))
        #expect(value.description == #"{"list":[1,null],"name":"x","ok":true,"rate":0.25,"trees":100}"#)
        let again = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(again == value)
    }

    @Test(
        "whole numbers are integers with every digit; fractions and numbers beyond Int64 are doubles",
        arguments: [
            ("100", JSONValue.integer(100)), ("-12", .integer(-12)), ("12345678901234567", .integer(12_345_678_901_234_567)),
            ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)), ("0.25", .number(0.25)),
            ("9223372036854775808", .number(9_223_372_036_854_775_808)), ("1.5e300", .number(1.5e300)),
        ]
    )
    func numbers(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(json: Data(text.utf8)) == expected)
    }

    @Test("a whole number written with a fraction or an exponent reads as an integer: JSON does not tell them apart")
    func wholeNumbersWithFractions() throws {
        #expect(try JSONValue(json: Data("100.0".utf8)) == .integer(100))
        #expect(try JSONValue(json: Data("1e2".utf8)) == .integer(100))
        #expect(JSONValue.number(100).json == "100")
    }

    @Test("canonical JSON: compact, sorted keys, slashes unescaped, integers in full")
    func canonicalText() {
        let value = JSONValue.object([
            "zone": .string("Europe/Berlin"), "count": .integer(100), "big": .integer(12_345_678_901_234_567), "ratio": .number(0.5),
            "list": .array([.bool(true), .null, .string("a\"b")]), "nested": .object(["b": .integer(2), "a": .integer(1)]),
        ])
        #expect(
            value.json
                == #"{"big":12345678901234567,"count":100,"list":[true,null,"a\"b"],"nested":{"a":1,"b":2},"ratio":0.5,"zone":"Europe/Berlin"}"#
        )
        #expect(value.description == value.json)
        // What a Double made of the same integer printed: the digits a job file lost before integers were kept.
        #expect(JSONValue.number(12_345_678_901_234_567).json == "1.2345678901234568e+16")
    }

    @Test("a value that JSON cannot hold prints as null")
    func unencodable() {
        #expect(JSONValue.number(.infinity).json == "null")
    }

    @Test("an Encodable value converts with snake_case keys, ISO 8601 dates and integers kept")
    func encoding() throws {
        struct Report: Encodable {
            let rowsScored: Int
            let anomalyRate: Double
            let finishedAt: Date
        }
        let value = try JSONValue(encoding: Report(rowsScored: 420_000, anomalyRate: 0.02, finishedAt: Date(timeIntervalSince1970: 0)))
        #expect(value == .object(["rows_scored": .integer(420_000), "anomaly_rate": .number(0.02), "finished_at": .string("1970-01-01T00:00:00Z")]))
    }

    @Test("numbers read as doubles or as whole numbers, whichever case holds them")
    func numberAccess() {
        #expect(JSONValue.integer(3).doubleValue == 3)
        #expect(JSONValue.number(0.25).doubleValue == 0.25)
        #expect(JSONValue.string("3").doubleValue == nil)
        #expect(JSONValue.integer(12_345_678_901_234_567).integerValue == 12_345_678_901_234_567)
        #expect(JSONValue.number(2).integerValue == 2)
        #expect(JSONValue.number(2.5).integerValue == nil)
        #expect(JSONValue.number(1e19).integerValue == nil)
        #expect(JSONValue.number(.infinity).integerValue == nil)
        #expect(JSONValue.bool(true).integerValue == nil)
    }

    @Test("members, strings and objects")
    func access() {
        let value = JSONValue.object(["name": .string("fraud"), "params": .object(["trees": .integer(100)])])
        #expect(value["name"]?.stringValue == "fraud")
        #expect(value["params"]?["trees"] == .integer(100))
        #expect(value["missing"] == nil)
        #expect(JSONValue.array([]).objectValue == nil)
        #expect(JSONValue.string("x")["name"] == nil)
        #expect(value.objectValue?.keys.sorted() == ["name", "params"])
        #expect(JSONValue.integer(1).stringValue == nil)
    }
}

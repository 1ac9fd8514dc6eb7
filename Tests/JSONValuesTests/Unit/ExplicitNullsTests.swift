import Foundation
import JSONValues
import Testing

@Suite("ExplicitNulls: every member present, null when it has no value")
struct ExplicitNullsTests {
    struct Inner: Encodable {
        var note: String?
        var count: Int?
    }

    struct Outer: Encodable {
        var name: String
        var fromVersion: Int?
        var finishedAt: Date?
        var inner: Inner?
        var inners: [Inner]
        var byName: [String: Inner]
        var aliases: [String: Int]?
        var tags: [String: String]
        var details: JSONValue?
        var flag: Bool?
        var ratio: Double?
    }

    /// Two containers on one encoder, as `CreatedToken` and `JobListing` write themselves.
    struct Merged: Encodable {
        let inner: Inner
        let extra: Date?

        enum Key: String, CodingKey { case extra }

        func encode(to encoder: any Encoder) throws {
            try inner.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(extra, forKey: .extra)
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encodeWithNulls(value), as: UTF8.self)
    }

    @Test("nil members are null at every depth: in nested values, arrays and dictionary values; present ones as usual")
    func nullsEverywhere() throws {
        let empty = Outer(
            name: "fraud",
            fromVersion: nil,
            finishedAt: nil,
            inner: nil,
            inners: [Inner()],
            byName: ["camelCase": Inner(count: 2)],
            aliases: nil,
            tags: [:],
            details: nil,
            flag: nil,
            ratio: nil
        )
        #expect(
            try Self.text(empty)
                == #"{"aliases":null,"by_name":{"camelCase":{"count":2,"note":null}},"details":null,"finished_at":null,"flag":null,"#
                + #""from_version":null,"inner":null,"inners":[{"count":null,"note":null}],"name":"fraud","ratio":null,"tags":{}}"#
        )
        // Without the wrapper the encoder leaves each of them out: the defect this rule removes.
        let plain = String(decoding: try Self.encoder.encode(empty), as: UTF8.self)
        #expect(!plain.contains("from_version") && !plain.contains("\"note\""), "\(plain)")
    }

    @Test("dates keep the encoder's strategy, dictionary keys stay as they are, JSON values pass through")
    func encoderStrategiesStay() throws {
        let full = Outer(
            name: "x",
            fromVersion: 3,
            finishedAt: Date(timeIntervalSince1970: 0),
            inner: Inner(note: "n", count: nil),
            inners: [],
            byName: [:],
            aliases: ["myAlias": 1],
            tags: ["ownerTeam": "risk"],
            details: .object(["someKey": .null, "n": .integer(1)]),
            flag: true,
            ratio: 0.5
        )
        #expect(
            try Self.text(full)
                == #"{"aliases":{"myAlias":1},"by_name":{},"details":{"n":1,"someKey":null},"finished_at":"1970-01-01T00:00:00Z","#
                + #""flag":true,"from_version":3,"inner":{"count":null,"note":"n"},"inners":[],"name":"x","ratio":0.5,"#
                + #""tags":{"ownerTeam":"risk"}}"#
        )
    }

    @Test("a type that writes itself through two containers gets both, and an explicit encodeIfPresent writes null")
    func mergedContainers() throws {
        #expect(try Self.text(Merged(inner: Inner(note: "a"), extra: nil)) == #"{"count":null,"extra":null,"note":"a"}"#)
        #expect(
            try Self.text([Merged(inner: Inner(), extra: Date(timeIntervalSince1970: 60))])
                == #"[{"count":null,"extra":"1970-01-01T00:01:00Z","note":null}]"#
        )
    }

    @Test("top-level optionals and scalars, and JSONValue(encoding:) keeps the rule for run results")
    func topLevel() throws {
        #expect(try Self.text(Inner?.none) == "null")
        #expect(try Self.text(Optional(Inner(count: 1))) == #"{"count":1,"note":null}"#)
        #expect(try Self.text(7) == "7")
        #expect(try JSONValue(encoding: Inner(note: nil, count: 4)) == .object(["note": .null, "count": .integer(4)]))
    }
}

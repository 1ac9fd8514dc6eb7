package import Foundation

/// A JSON document as Nomaly keeps it in jsonb: a job's spec and its `with:` settings, a run's result, a model version's
/// parameters, metrics and feature schema, an audit entry's details, the OpenAPI document.
///
/// Integers stay integers: `trees: 100` is `.integer(100)`, printed `100`, and `account: 12345678901234567` keeps every
/// digit (a `Double` holds 53 bits). A number with a fraction or an exponent, or beyond `Int64`, is `.number`. JSON
/// text does not tell `1` from `1.0` (the encoder writes `.number(1.0)` as `1`), so a whole number read back from
/// JSON is `.integer` whatever wrote it: read numbers through ``doubleValue`` or ``integerValue``.
///
/// ```swift
/// let version = try await registry.version(model: "fraud", version: 3)
/// let rate = version.metrics["anomaly_rate"]?.doubleValue
/// if case .integer(let trees)? = version.params["trees"] { print(trees) }
/// ```
package enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses a JSON document.
    /// - Throws: the decoder's error for text that is not JSON.
    package init(json data: Data) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Any `Encodable` value through its JSON form, with snake_case keys, ISO 8601 dates and members without a value
    /// as `null` (``ExplicitNulls``): how kinds store their reports as a run's result and the registry a manifest's
    /// parameters.
    package init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        self = try JSONValue(json: encoder.encodeWithNulls(value))
    }

    /// Canonical JSON: compact, sorted keys, slashes unescaped, so equal values always have the same text. A job's
    /// `spec_hash` is the sha256 of this text: keep it byte for byte.
    package var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// The canonical JSON, ``json``.
    package var description: String { json }
}

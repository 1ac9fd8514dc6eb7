public import Foundation

/// A value as libpq receives it: text the server parses by the parameter's inferred type, raw bytes, or NULL.
public enum PostgresParameter: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    case null
}

/// A Swift value that can be bound to a `$n` placeholder.
///
/// ```swift
/// try await pool.query("SELECT * FROM jobs WHERE name = $1 AND paused = $2", ["nightly", false])
/// ```
public protocol PostgresEncodable: Sendable {
    var postgresParameter: PostgresParameter { get }
}

extension String: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(self) }
}

extension Substring: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Bool: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(self ? "t" : "f") }
}

extension Int: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int64: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int32: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int16: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Double: PostgresEncodable {
    /// Postgres spells the special values `NaN`, `Infinity` and `-Infinity`.
    public var postgresParameter: PostgresParameter {
        if isNaN { return .text("NaN") }
        if isInfinite { return .text(self < 0 ? "-Infinity" : "Infinity") }
        return .text(String(self))
    }
}

extension Float: PostgresEncodable {
    public var postgresParameter: PostgresParameter { Double(self).postgresParameter }
}

extension UUID: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(uuidString.lowercased()) }
}

extension Date: PostgresEncodable {
    /// ISO 8601 in UTC with microseconds, which is timestamptz's own precision.
    public var postgresParameter: PostgresParameter { .text(PostgresTextFormat.formatTimestamp(self)) }
}

extension Data: PostgresEncodable {
    /// Sent in binary so that no escaping is needed; the server takes it as bytea.
    public var postgresParameter: PostgresParameter { .binary([UInt8](self)) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresParameter: PostgresParameter {
        switch self {
        case .some(let value): return value.postgresParameter
        case .none: return .null
        }
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal (`{"a","b",NULL}`), for `= ANY($1)` and array columns.
    public var postgresParameter: PostgresParameter {
        let items = map { element -> String in
            switch element.postgresParameter {
            case .null: return "NULL"
            case .text(let text): return PostgresTextFormat.quoteArrayElement(text)
            case .binary(let bytes): return PostgresTextFormat.quoteArrayElement(PostgresTextFormat.formatByteaHex(bytes))
            }
        }
        return .text("{" + items.joined(separator: ",") + "}")
    }
}

/// Binds any `Encodable` value as JSON text, for `json`/`jsonb` columns.
///
/// Encoding happens at construction, so a value that is not valid JSON (a `Double.nan` inside, say)
/// fails here with the encoder's error instead of reaching the server.
///
/// ```swift
/// try await pool.execute("UPDATE jobs SET spec = $1 WHERE name = $2", [try PostgresJSON(spec), name])
/// ```
public struct PostgresJSON: PostgresEncodable {
    public let json: String

    public init(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        json = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public var postgresParameter: PostgresParameter { .text(json) }
}

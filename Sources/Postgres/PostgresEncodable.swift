package import Foundation

/// A value as libpq receives it: text the server parses by the parameter's inferred type, raw bytes, or NULL.
package enum PostgresParameter: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    case null
}

/// A Swift value that can be bound to a `$n` placeholder.
///
/// ```swift
/// try await pool.query("SELECT * FROM jobs WHERE name = $1 AND paused = $2", ["nightly", false])
/// ```
package protocol PostgresEncodable: Sendable {
    var postgresParameter: PostgresParameter { get }
}

extension String: PostgresEncodable {
    package var postgresParameter: PostgresParameter { .text(self) }
}

extension Substring: PostgresEncodable {
    package var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Bool: PostgresEncodable {
    package var postgresParameter: PostgresParameter { .text(self ? "t" : "f") }
}

extension Int: PostgresEncodable {
    package var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int64: PostgresEncodable {
    package var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int32: PostgresEncodable {
    package var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int16: PostgresEncodable {
    package var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Double: PostgresEncodable {
    /// Postgres spells the special values `NaN`, `Infinity` and `-Infinity`.
    package var postgresParameter: PostgresParameter {
        if isNaN { return .text("NaN") }
        if isInfinite { return .text(self < 0 ? "-Infinity" : "Infinity") }
        return .text(String(self))
    }
}

extension Float: PostgresEncodable {
    package var postgresParameter: PostgresParameter { Double(self).postgresParameter }
}

extension UUID: PostgresEncodable {
    package var postgresParameter: PostgresParameter { .text(uuidString.lowercased()) }
}

extension Date: PostgresEncodable {
    /// ISO 8601 in UTC with microseconds, which is timestamptz's own precision.
    package var postgresParameter: PostgresParameter { .text(PostgresTextFormat.formatTimestamp(self)) }
}

extension Data: PostgresEncodable {
    /// Sent in binary so that no escaping is needed; the server takes it as bytea.
    package var postgresParameter: PostgresParameter { .binary([UInt8](self)) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    package var postgresParameter: PostgresParameter {
        switch self {
        case .some(let value): return value.postgresParameter
        case .none: return .null
        }
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal (`{"a","b",NULL}`), for `= ANY($1)` and array columns.
    package var postgresParameter: PostgresParameter {
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
package struct PostgresJSON: PostgresEncodable {
    package let json: String

    package init(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        json = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    package var postgresParameter: PostgresParameter { .text(json) }
}

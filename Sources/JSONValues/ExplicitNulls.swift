package import Foundation

/// A value encoded so that every member its type declares is present: a member without a value is written `null`,
/// never left out. It is the one rule of every JSON document Nomaly shows a person or a program: `--json` output, API
/// answers, run results and backup manifests (docs/cli.md, docs/api.md).
///
/// Swift's synthesized `Encodable` skips a nil optional (`encodeIfPresent`), so without this a field appeared in one
/// answer and vanished from the next (`from_version` of a first promotion, `to_version` of a removal, `encryption` of an
/// unencrypted backup), and a client could not tell "no value" from "no such field". Wrapping the value once, where
/// the encoder is called, covers every type and every field, present and future, instead of each type remembering.
///
/// ```swift
/// let data = try encoder.encode(ExplicitNulls(change))   // {"from_version":null,"to_version":3,…}
/// ```
///
/// What stays as the encoder makes it: dates, data, URLs and decimals (the encoder's strategies apply), ``JSONValue``,
/// and the keys of `[String: …]` dictionaries (never converted to snake_case; their values keep the rule).
package struct ExplicitNulls<Value: Encodable>: Encodable {
    package let value: Value

    package init(_ value: Value) {
        self.value = value
    }

    package func encode(to encoder: any Encoder) throws {
        try NullKeeping.encode(value, to: encoder)
    }
}

extension JSONEncoder {
    /// Encodes `value` with ``ExplicitNulls``: members without a value as `null`.
    package func encodeWithNulls(_ value: some Encodable) throws -> Data {
        try encode(ExplicitNulls(value))
    }
}

/// Any encodable value under the rule, for the places a generic parameter cannot reach (dictionary values).
struct NullKeepingBox: Encodable {
    let value: any Encodable

    func encode(to encoder: any Encoder) throws {
        try NullKeeping.encode(value, to: encoder)
    }
}

enum NullKeeping {
    /// Encodes `value` into `encoder` so that its nil members become `null`, down to its innermost values.
    static func encode(_ value: any Encodable, to encoder: any Encoder) throws {
        if let box = value as? NullKeepingBox {
            try box.encode(to: encoder)
        } else if isLeaf(value) {
            // Handed to the encoder itself, whose date, data and number strategies recognise these types only as
            // they are.
            var container = encoder.singleValueContainer()
            try container.encode(value)
        } else if let dictionary = value as? any StringKeyedDictionary {
            // The encoder writes the keys of a `[String: …]` verbatim only when it sees the dictionary itself.
            var container = encoder.singleValueContainer()
            try container.encode(dictionary.valuesKeepingNulls)
        } else {
            try value.encode(to: NullKeepingEncoder(base: encoder))
        }
    }

    static func isLeaf(_ value: any Encodable) -> Bool {
        switch value {
        case is Date, is Data, is URL, is Decimal, is JSONValue, is String, is Bool, is Double, is Float, is Int, is Int64, is Int32,
            is Int16, is Int8, is UInt, is UInt64, is UInt32, is UInt16, is UInt8:
            true
        default:
            false
        }
    }
}

/// `[String: Value]`, whose keys an encoder writes as they are.
protocol StringKeyedDictionary {
    var valuesKeepingNulls: [String: NullKeepingBox] { get }
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
    var valuesKeepingNulls: [String: NullKeepingBox] { mapValues { NullKeepingBox(value: $0) } }
}

/// Forwards everything to the encoder it wraps, except that an absent optional is written as `null` and every nested
/// value is wrapped in turn.
struct NullKeepingEncoder: Encoder {
    let base: any Encoder

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(NullKeepingKeyedContainer(base: base.container(keyedBy: type)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        NullKeepingUnkeyedContainer(base: base.unkeyedContainer())
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        NullKeepingSingleValueContainer(base: base.singleValueContainer())
    }
}

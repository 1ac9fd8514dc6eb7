internal import CPostgres
import Foundation

/// Decodes a row as a keyed container of its columns (or an unkeyed one, in column order).
struct RowDecoder: Decoder {
    let row: PostgresRow
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowKeyedContainer(row: row, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        RowUnkeyedContainer(row: row, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        CellDecoder(result: row.result, row: row.index, column: 0, codingPath: codingPath)
    }
}

struct RowKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: PostgresRow
    let codingPath: [any CodingKey]

    var allKeys: [Key] { row.result.columns.compactMap { Key(stringValue: $0.name) } }

    func contains(_ key: Key) -> Bool { row.result.columnIndex(named: key.stringValue) != nil }

    private func cell(_ key: Key) throws -> CellDecoder {
        guard let column = row.result.columnIndex(named: key.stringValue) else {
            throw PostgresError(
                code: .decoding,
                message: "no column \"\(key.stringValue)\" (or \"\(PostgresResult.snakeCased(key.stringValue))\") in the result; "
                    + "columns: \(row.result.columns.map(\.name).joined(separator: ", "))"
            )
        }
        return CellDecoder(result: row.result, row: row.index, column: column, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try cell(key).decodeNil() }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try cell(key).decodeValue(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try cell(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try cell(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { RowDecoder(row: row, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try cell(key) }
}

struct RowUnkeyedContainer: UnkeyedDecodingContainer {
    let row: PostgresRow
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { row.result.columns.count }
    var isAtEnd: Bool { currentIndex >= row.result.columns.count }

    init(row: PostgresRow, codingPath: [any CodingKey]) {
        self.row = row
        self.codingPath = codingPath
    }

    private mutating func next() throws -> CellDecoder {
        guard !isAtEnd else { throw PostgresError(code: .decoding, message: "the row has only \(row.result.columns.count) columns") }
        defer { currentIndex += 1 }
        return CellDecoder(result: row.result, row: row.index, column: currentIndex, codingPath: codingPath)
    }

    mutating func decodeNil() throws -> Bool {
        if CellDecoder(result: row.result, row: row.index, column: currentIndex, codingPath: codingPath).decodeNil() {
            currentIndex += 1
            return true
        }
        return false
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

/// Decodes one cell from its text representation.
struct CellDecoder: Decoder, SingleValueDecodingContainer {
    let result: PostgresResult
    let row: Int
    let column: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    private var typeOID: UInt32 { result.columns[column].typeOID }
    private var isJSON: Bool { typeOID == CPostgres_JSONOID || typeOID == CPostgres_JSONBOID }

    static func isScalar(_ type: Any.Type) -> Bool {
        type == String.self || type == Bool.self || type == Int.self || type == Int64.self || type == Int32.self
            || type == Int16.self || type == UInt64.self || type == Double.self || type == Float.self || type == Date.self
            || type == UUID.self || type == Data.self || type == [UInt8].self || type is any _OptionalMarker.Type
    }

    /// Primitive types are read from the cell's text; json/jsonb columns go through JSONDecoder; anything else
    /// (a String-backed enum, a wrapper) decodes itself from this cell as a single value.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let optional = type as? any _OptionalMarker.Type {
            if result.isNull(row: row, column: column) { return optional.nilValue as! T }
            return try optional.decodeWrapped(from: self) as! T
        }
        try requireNotNull(type)
        switch type {
        case is String.Type: return result.string(row: row, column: column) as! T
        case is Bool.Type: return try decode(Bool.self) as! T
        case is Int.Type: return try decode(Int.self) as! T
        case is Int64.Type: return try decode(Int64.self) as! T
        case is Int32.Type: return try decode(Int32.self) as! T
        case is Int16.Type: return try decode(Int16.self) as! T
        case is UInt64.Type: return try decode(UInt64.self) as! T
        case is Double.Type: return try decode(Double.self) as! T
        case is Float.Type: return try decode(Float.self) as! T
        case is Date.Type:
            let text = result.string(row: row, column: column)
            guard let date = PostgresTextFormat.parseTimestamp(text) else { throw mismatch(type) }
            return date as! T
        case is UUID.Type:
            guard let uuid = UUID(uuidString: result.string(row: row, column: column)) else { throw mismatch(type) }
            return uuid as! T
        case is Data.Type: return Data(try bytea(type)) as! T
        case is [UInt8].Type: return try bytea(type) as! T
        default:
            if isJSON {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                do {
                    return try result.withBytes(row: row, column: column) { try decoder.decode(type, from: Data($0)) }
                } catch {
                    throw PostgresError(code: .decoding, message: "\(location): cannot decode \(T.self) from JSON: \(error)")
                }
            }
            return try T(from: self)
        }
    }

    private var location: String {
        let name = result.columns[column].name
        let path = codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty || path == name ? "column \"\(name)\"" : "column \"\(name)\" (\(path))"
    }

    private func requireNotNull(_ type: Any.Type) throws {
        if result.isNull(row: row, column: column) {
            throw PostgresError(code: .decoding, message: "\(location) is NULL; decode it as \(type)? to accept NULL")
        }
    }

    private func mismatch(_ type: Any.Type) -> PostgresError {
        let text = result.string(row: row, column: column)
        let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
        return PostgresError(code: .decoding, message: "\(location): cannot decode '\(shown)' as \(type)")
    }

    private func bytea(_ type: Any.Type) throws -> [UInt8] {
        if typeOID != CPostgres_BYTEAOID { return Array(result.string(row: row, column: column).utf8) }
        guard let bytes = result.withBytes(row: row, column: column, { PostgresTextFormat.parseByteaHex($0) }) else { throw mismatch(type) }
        return bytes
    }

    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        try requireNotNull(type)
        let value = result.withBytes(row: row, column: column) { bytes -> I? in
            guard !bytes.isEmpty else { return nil }
            var index = 0
            let negative = bytes[0] == 0x2D
            if negative || bytes[0] == 0x2B { index = 1 }
            guard index < bytes.count else { return nil }
            var value: I = 0
            while index < bytes.count {
                let digit = bytes[index] &- 0x30
                guard digit <= 9 else { return nil }
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(I(digit)) : shifted.addingReportingOverflow(I(digit))
                guard !overflow1, !overflow2 else { return nil }
                value = next
                index += 1
            }
            return value
        }
        guard let value else { throw mismatch(type) }
        return value
    }

    // MARK: SingleValueDecodingContainer

    func decodeNil() -> Bool { result.isNull(row: row, column: column) }

    func decode(_ type: Bool.Type) throws -> Bool {
        try requireNotNull(type)
        switch result.string(row: row, column: column) {
        case "t", "true": return true
        case "f", "false": return false
        default: throw mismatch(type)
        }
    }

    func decode(_ type: String.Type) throws -> String {
        try requireNotNull(type)
        return result.string(row: row, column: column)
    }

    func decode(_ type: Double.Type) throws -> Double {
        try requireNotNull(type)
        let text = result.cString(row: row, column: column)
        var end: UnsafeMutablePointer<CChar>?
        let value = strtod(text, &end)
        guard let end, end != UnsafeMutablePointer(mutating: text), end.pointee == 0 else { throw mismatch(type) }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw PostgresError(
            code: .decoding,
            message: "\(location) holds a single value, not an object; store structured values as jsonb to decode them"
        )
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw PostgresError(code: .decoding, message: "\(location) holds a single value, not a list; store lists as jsonb to decode them")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
}

/// Lets the generic decoder see through `Optional<Wrapped>` without knowing `Wrapped`.
protocol _OptionalMarker {
    static var nilValue: Self { get }
    static func decodeWrapped(from cell: CellDecoder) throws -> Any
}

extension Optional: _OptionalMarker where Wrapped: Decodable {
    static var nilValue: Self { nil }
    static func decodeWrapped(from cell: CellDecoder) throws -> Any { try cell.decodeValue(Wrapped.self) as Any }
}

internal import CPostgres
import Foundation

/// The rows of one statement's result.
///
/// Owns a `PGresult`. libpq never mutates a result after returning it and documents that results may be
/// read from any thread, so sharing it is safe; `deinit` frees it when the last row view is gone.
final class PostgresResult: @unchecked Sendable {
    let handle: OpaquePointer
    let rowCount: Int
    let columns: [PostgresColumn]
    private let columnIndexByName: [String: Int]
    /// The command tag's row count (`INSERT 0 5` → 5), zero for statements without one.
    let affectedRows: Int
    /// `INSERT 0 5`, `COMMIT`, `ROLLBACK`, …
    let commandTag: String

    init(handle: OpaquePointer) {
        self.handle = handle
        rowCount = Int(PQntuples(handle))
        let columnCount = Int(PQnfields(handle))
        var columns: [PostgresColumn] = []
        var index: [String: Int] = [:]
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            // A COPY_IN/COPY_OUT result counts the copied columns but has no names for them.
            let name = PQfname(handle, Int32(column)).map { String(cString: $0) } ?? ""

            columns.append(PostgresColumn(name: name, typeOID: PQftype(handle, Int32(column))))
            if index[name] == nil { index[name] = column }
        }
        self.columns = columns
        columnIndexByName = index
        affectedRows = Int(String(cString: PQcmdTuples(handle))) ?? 0
        commandTag = String(cString: PQcmdStatus(handle))
    }

    deinit {
        PQclear(handle)
    }

    func columnIndex(named name: String) -> Int? {
        if let index = columnIndexByName[name] { return index }
        return columnIndexByName[Self.snakeCased(name)]
    }

    func isNull(row: Int, column: Int) -> Bool {
        PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// The cell's text, valid for as long as `self` lives.
    func withBytes<R>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        let pointer = PQgetvalue(handle, Int32(row), Int32(column))!
        return try pointer.withMemoryRebound(to: UInt8.self, capacity: length) { try body(UnsafeBufferPointer(start: $0, count: length)) }
    }

    /// NUL-terminated, for strtod.
    func cString(row: Int, column: Int) -> UnsafePointer<CChar> {
        UnsafePointer(PQgetvalue(handle, Int32(row), Int32(column))!)
    }

    func string(row: Int, column: Int) -> String {
        withBytes(row: row, column: column) { String(decoding: $0, as: UTF8.self) }
    }

    /// `createdAt` → `created_at`, so that Swift property names find snake_case columns.
    static func snakeCased(_ name: String) -> String {
        var output = ""
        for character in name {
            if character.isUppercase {
                if !output.isEmpty { output.append("_") }
                output.append(contentsOf: character.lowercased())
            } else {
                output.append(character)
            }
        }
        return output
    }
}

/// A result column: its name and the Postgres type OID of its values.
package struct PostgresColumn: Sendable, Equatable {
    package let name: String
    package let typeOID: UInt32
}

/// The rows a statement returned, in order.
///
/// ```swift
/// struct Job: Decodable { let name: String; let paused: Bool; let updatedAt: Date }
/// let jobs = try await pool.query("SELECT name, paused, updated_at FROM jobs").decode(Job.self)
/// ```
package struct PostgresRows: RandomAccessCollection, Sendable {
    let result: PostgresResult

    package var startIndex: Int { 0 }
    package var endIndex: Int { result.rowCount }
    package subscript(position: Int) -> PostgresRow { PostgresRow(result: result, index: position) }

    package var columns: [PostgresColumn] { result.columns }
    /// Rows inserted, updated, deleted, copied or selected, from the command tag.
    package var affectedRows: Int { result.affectedRows }

    /// Decodes every row; see ``PostgresRow/decode(_:)`` for how columns map to properties.
    package func decode<T: Decodable>(_ type: T.Type) throws -> [T] {
        try map { try $0.decode(type) }
    }
}

/// One row. Decoding maps columns to properties by name (`updatedAt` also finds `updated_at`);
/// a scalar type decodes the first column.
package struct PostgresRow: Sendable {
    let result: PostgresResult
    let index: Int

    package var columns: [PostgresColumn] { result.columns }

    /// Decodes the whole row: a Codable struct by column names, or a scalar (`Int`, `String`, …) from column 0.
    package func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !result.columns.isEmpty else {
            throw PostgresError(code: .decoding, message: "the result has no columns to decode \(T.self) from")
        }
        if CellDecoder.isScalar(type) {
            return try decode(type, at: 0)
        }
        return try T(from: RowDecoder(row: self, codingPath: []))
    }

    /// Decodes one column by name.
    package func decode<T: Decodable>(_ type: T.Type, column name: String) throws -> T {
        guard let column = result.columnIndex(named: name) else {
            throw PostgresError(
                code: .decoding,
                message: "no column \"\(name)\" in the result (columns: \(result.columns.map(\.name).joined(separator: ", ")))"
            )
        }
        return try decode(type, at: column)
    }

    /// Decodes one column by position.
    package func decode<T: Decodable>(_ type: T.Type, at column: Int) throws -> T {
        guard column >= 0, column < result.columns.count else {
            throw PostgresError(code: .decoding, message: "column \(column) is out of range; the result has \(result.columns.count)")
        }
        return try CellDecoder(result: result, row: index, column: column, codingPath: []).decodeValue(type)
    }

    package func isNull(_ column: String) -> Bool {
        guard let column = result.columnIndex(named: column) else { return true }
        return result.isNull(row: index, column: column)
    }
}

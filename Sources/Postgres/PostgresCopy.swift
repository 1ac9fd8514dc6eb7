internal import CPostgres
import NIOPosix

/// Buffers rows in COPY's text format and streams them to the server in large chunks.
///
/// Created by ``PostgresConnection/copyFrom(table:columns:_:)``; not for use outside its closure.
package final class PostgresCopyWriter {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    private let columnCount: Int
    private static let flushThreshold = 256 * 1024

    init(connection: PostgresConnection, columnCount: Int) {
        self.connection = connection
        self.columnCount = columnCount
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    /// Appends one row; values in the order of the `columns` given to `copyFrom`.
    package func append(_ row: [any PostgresEncodable]) async throws {
        guard row.count == columnCount else {
            throw PostgresError(code: .copyFailed, message: "a COPY row has \(row.count) values, expected \(columnCount)")
        }
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.append(0x09) }
            switch value.postgresParameter {
            case .null:
                buffer.append(0x5C)
                buffer.append(0x4E)
            case .text(let text):
                Self.appendEscaped(text.utf8, to: &buffer)
            case .binary(let bytes):
                Self.appendEscaped(PostgresTextFormat.formatByteaHex(bytes).utf8, to: &buffer)
            }
        }
        buffer.append(0x0A)
        if buffer.count >= Self.flushThreshold { try await flush() }
    }

    /// Backslash, tab, newline and carriage return are COPY's delimiters and must be escaped inside values.
    static func appendEscaped(_ bytes: some Sequence<UInt8>, to buffer: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case 0x5C:
                buffer.append(0x5C)
                buffer.append(0x5C)
            case 0x09:
                buffer.append(0x5C)
                buffer.append(0x74)
            case 0x0A:
                buffer.append(0x5C)
                buffer.append(0x6E)
            case 0x0D:
                buffer.append(0x5C)
                buffer.append(0x72)
            default: buffer.append(byte)
            }
        }
    }

    func flush() async throws {
        guard !buffer.isEmpty else { return }
        let chunk = buffer
        buffer.removeAll(keepingCapacity: true)
        let connection = self.connection
        try await connection.threadPool.runIfActive { try connection.blockingPutCopyData(chunk) }
    }
}

extension PostgresConnection {
    /// Bulk-loads rows with `COPY table (columns) FROM STDIN`, far faster than INSERTs.
    ///
    /// If `body` throws, the COPY is aborted and no row is inserted.
    ///
    /// ```swift
    /// let copied = try await connection.copyFrom(table: "anomaly_scores", columns: ["run_id", "row_key", "score"]) { writer in
    ///     for score in scores { try await writer.append([runID, score.key, score.value]) }
    /// }
    /// ```
    /// - Returns: the number of rows copied.
    @discardableResult
    package func copyFrom(table: String, columns: [String], _ body: (PostgresCopyWriter) async throws -> Void) async throws -> Int {
        let columnList = columns.map(quotePostgresIdentifier).joined(separator: ", ")
        let sql = "COPY \(quotePostgresIdentifier(table)) (\(columnList)) FROM STDIN"
        try await runCancellable { _ = try self.blockingQuery(sql, []) }
        let writer = PostgresCopyWriter(connection: self, columnCount: columns.count)
        do {
            try await body(writer)
            try await writer.flush()
        } catch {
            _ = try? await threadPool.runIfActive { try self.blockingEndCopy(abortMessage: "aborted by the client: \(error)") }
            throw error
        }
        return try await threadPool.runIfActive { try self.blockingEndCopy(abortMessage: nil) }
    }

    /// Blocking.
    func blockingPutCopyData(_ bytes: [UInt8]) throws {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1 else { throw connectionError(query: "COPY") }
    }

    /// Ends (or aborts) the COPY and collects its outcome. Blocking.
    func blockingEndCopy(abortMessage: String?) throws -> Int {
        guard PQputCopyEnd(handle, abortMessage) == 1 else { throw connectionError(query: "COPY") }
        var copied = 0
        var failure: (any Error)?
        while let result = PQgetResult(handle) {
            do {
                copied = try check(result, query: "COPY").affectedRows
            } catch {
                failure = failure ?? error
            }
        }
        if let failure {
            if abortMessage != nil { return 0 }
            throw failure
        }
        return copied
    }
}

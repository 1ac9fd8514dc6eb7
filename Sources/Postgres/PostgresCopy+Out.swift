internal import CPostgres
import NIOPosix

extension PostgresConnection {
    /// Runs a `COPY … TO STDOUT` statement and hands its output to `body` in blocks as the server sends it,
    /// so a result of any size streams through in bounded memory.
    ///
    /// The statement is executed as given: build it only from trusted text (a query the operator wrote),
    /// never by pasting in values. It goes through the extended protocol, which refuses a string holding
    /// several statements. Each block holds whole rows, about `blockSize` bytes of them (more when a single
    /// row is larger). While `body` runs, no more data is read, and the server waits once its send buffer
    /// is full. Cancelling the task, or `body` throwing, cancels the statement on the server; the connection
    /// stays usable either way.
    ///
    /// ```swift
    /// let rows = try await connection.copyOut("COPY (SELECT id, amount FROM payments) TO STDOUT WITH (FORMAT csv)") { block in
    ///     try output.write(contentsOf: block)
    /// }
    /// ```
    /// - Parameters:
    ///   - sql: one `COPY … TO STDOUT` statement.
    ///   - blockSize: roughly how many bytes to gather before calling `body`.
    ///   - body: receives each block of COPY output.
    /// - Returns: the number of rows the server copied.
    /// - Throws: ``PostgresError``: the server's error when the statement fails (also midway), `.copyFailed`
    ///   when the statement is not a COPY to STDOUT; or whatever `body` threw.
    @discardableResult
    package func copyOut(_ sql: String, blockSize: Int = 256 * 1024, _ body: ([UInt8]) async throws -> Void) async throws -> Int {
        try await runCancellable { try self.blockingStartCopyOut(sql) }
        let limit = max(1, blockSize)
        do {
            while true {
                let (block, ended) = try await runCancellable { try self.blockingReadCopyData(limit: limit) }
                if !block.isEmpty { try await body(block) }
                if ended { break }
            }
        } catch {
            // The server keeps sending until it is told to stop; cancel it and throw away what is in flight so
            // the connection returns to idle for the next borrower.
            cancel()
            _ = try? await threadPool.runIfActive { self.blockingDrainCopyOut() }
            throw error
        }
        return try await runCancellable { try self.blockingFinishCopyOut(query: sql) }
    }

    /// Sends the statement and checks that the server entered COPY OUT mode. Blocking.
    func blockingStartCopyOut(_ sql: String) throws {
        let result = try check(PQexecParams(handle, sql, 0, nil, nil, nil, nil, 0), query: sql)
        switch PQresultStatus(result.handle) {
        case PGRES_COPY_OUT:
            return
        case PGRES_COPY_IN:
            _ = try? blockingEndCopy(abortMessage: "expected COPY TO STDOUT")
            throw PostgresError(code: .copyFailed, message: "the statement is a COPY FROM STDIN; copyOut needs COPY … TO STDOUT", query: sql)
        default:
            throw PostgresError(code: .copyFailed, message: "the statement did not start a COPY … TO STDOUT", query: sql)
        }
    }

    /// Gathers COPY rows until about `limit` bytes are collected or the data ends. Blocking.
    /// - Returns: the bytes, and whether the server has sent the last row.
    func blockingReadCopyData(limit: Int) throws -> ([UInt8], Bool) {
        var block: [UInt8] = []
        while block.count < limit {
            var row: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &row, 0)
            if length > 0, let row {
                row.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                    block.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(length)))
                }
                PQfreemem(row)
            } else if length == -1 {
                return (block, true)
            } else {
                throw connectionError(query: "COPY")
            }
        }
        return (block, false)
    }

    /// Collects the COPY's outcome after its last row. Blocking.
    /// - Returns: the number of rows copied.
    func blockingFinishCopyOut(query: String) throws -> Int {
        var copied = 0
        var failure: (any Error)?
        while let result = PQgetResult(handle) {
            do {
                copied = try check(result, query: query).affectedRows
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return copied
    }

    /// Reads and discards the rest of an abandoned COPY OUT and its results. Blocking.
    func blockingDrainCopyOut() {
        while true {
            var row: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &row, 0)
            if let row { PQfreemem(row) }
            if length < 0 { break }
        }
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}

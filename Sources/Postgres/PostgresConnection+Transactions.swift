import Logging
import NIOPosix

/// Transaction isolation levels, as `BEGIN ISOLATION LEVEL …` spells them.
package enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// With `maxAttempts` > 1 a serialization failure or deadlock re-runs the whole body, as Postgres
    /// recommends for SERIALIZABLE transactions; `body` must then be safe to repeat.
    /// - Throws: the body's error, or a ``PostgresError`` when COMMIT fails or finds the transaction aborted.
    package func withTransaction<Result>(
        isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 1,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                try await execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
                let result: Result
                do {
                    result = try await body(self)
                } catch {
                    await rollbackIgnoringCancellation()
                    throw error
                }
                let commit = try await query("COMMIT")
                // COMMIT of a transaction that already failed succeeds with the tag ROLLBACK: a caller that caught
                // a statement's error inside `body` must not believe its writes landed.
                if commit.result.commandTag == "ROLLBACK" {
                    throw PostgresError(
                        code: .server,
                        message: "the transaction was rolled back because a statement in it failed earlier"
                    )
                }
                return result
            } catch let error as PostgresError
                where (error.code == .serializationFailure || error.code == .deadlockDetected) && attempt < maxAttempts
            {
                attempt += 1
                logger.debug("retrying transaction", metadata: ["attempt": "\(attempt)", "reason": "\(error.code)"])
            }
        }
    }

    /// ROLLBACK must run even when the task was cancelled (which is often why we are rolling back), so it
    /// bypasses the cancellation handler. If it fails the connection is left in a transaction and the pool drops it.
    func rollbackIgnoringCancellation() async {
        _ = try? await threadPool.runIfActive { try self.blockingQuery("ROLLBACK", []) }
    }
}

extension PostgresPool {
    /// Runs `body` in a transaction on one connection. See ``PostgresConnection/withTransaction(isolation:maxAttempts:_:)``.
    ///
    /// ```swift
    /// try await pool.withTransaction { connection in
    ///     try await connection.execute("UPDATE model_aliases SET version_id = $1 WHERE id = $2", [version, alias])
    ///     try await connection.execute("INSERT INTO audit_log (action) VALUES ($1)", ["promote"])
    /// }
    /// ```
    package func withTransaction<Result>(
        isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 1,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.withTransaction(isolation: isolation, maxAttempts: maxAttempts, body)
        }
    }
}

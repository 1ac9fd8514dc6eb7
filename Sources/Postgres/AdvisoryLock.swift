import NIOPosix

/// The 64-bit key of a Postgres advisory lock.
///
/// Named locks hash their name with FNV-1a, which is stable across processes, versions and platforms
/// (unlike `Hasher`), so every replica agrees on the key.
package struct AdvisoryLockKey: Sendable, Hashable, CustomStringConvertible {
    package let value: Int64
    package let name: String?

    package init(_ value: Int64) {
        self.value = value
        name = nil
    }

    /// A key derived from a name, namespaced so that it cannot collide with other applications' small integers.
    package init(name: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ("nomaly:" + name).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        value = Int64(bitPattern: hash)
        self.name = name
    }

    package var description: String { name.map { "\($0) (\(value))" } ?? "\(value)" }
}

extension PostgresPool {
    /// Holds a session-level advisory lock on one connection while `body` runs, waiting for it as long as needed.
    ///
    /// The lock is released when `body` returns or throws, and by the server if the connection dies, so a
    /// crashed holder never keeps it. Cancelling the task cancels the wait.
    package func withAdvisoryLock<Result>(
        _ key: AdvisoryLockKey,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.execute("SELECT pg_advisory_lock($1)", [key.value])
            return try await connection.holdingAdvisoryLock(key, body)
        }
    }

    /// Like ``withAdvisoryLock(_:_:)`` but returns nil at once, without running `body`, when another session holds the lock.
    package func withAdvisoryLockIfAvailable<Result>(
        _ key: AdvisoryLockKey,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result? {
        try await withConnection { connection -> Result? in
            let acquired = try await connection.query("SELECT pg_try_advisory_lock($1)", [key.value]).first?.decode(Bool.self) ?? false
            guard acquired else { return nil }
            return try await connection.holdingAdvisoryLock(key, body)
        }
    }
}

extension PostgresConnection {
    fileprivate func holdingAdvisoryLock<Result>(
        _ key: AdvisoryLockKey,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withAsyncCleanup {
            try await body(self)
        } cleanup: {
            await unlockIgnoringCancellation(key)
        }
    }

    private func unlockIgnoringCancellation(_ key: AdvisoryLockKey) async {
        _ = try? await threadPool.runIfActive { try self.blockingQuery("SELECT pg_advisory_unlock($1)", [.text(String(key.value))]) }
    }

    /// Takes a transaction-level advisory lock, released by COMMIT or ROLLBACK. Call it inside a transaction.
    package func advisoryTransactionLock(_ key: AdvisoryLockKey) async throws {
        try await execute("SELECT pg_advisory_xact_lock($1)", [key.value])
    }
}

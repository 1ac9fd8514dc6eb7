/// An error from the database or from talking to it, carrying everything the server said.
///
/// Switch on ``code`` for what kind of failure it is; ``sqlState``, ``detail`` and ``hint`` are the
/// server's own fields when it sent them.
///
/// ```swift
/// do { try await pool.execute("INSERT INTO models (name) VALUES ($1)", [name]) }
/// catch let error as PostgresError where error.code == .uniqueViolation { … }
/// ```
package struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Static lets rather than an enum, so new kinds do not break callers' switches.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }

        /// Could not open a connection (bad host, refused, authentication failed, bad conninfo).
        package static let connectionFailed = Code(name: "connection_failed")
        /// An established connection broke: the server restarted, the network dropped, or an admin terminated it.
        package static let connectionLost = Code(name: "connection_lost")
        /// SQLSTATE 23505.
        package static let uniqueViolation = Code(name: "unique_violation")
        /// SQLSTATE 40001: retry the whole transaction.
        package static let serializationFailure = Code(name: "serialization_failure")
        /// SQLSTATE 40P01: retry the whole transaction.
        package static let deadlockDetected = Code(name: "deadlock_detected")
        /// SQLSTATE 57014: cancelled by us (task cancellation) or a statement timeout.
        package static let queryCanceled = Code(name: "query_canceled")
        /// Any other error the server reported for a statement.
        package static let server = Code(name: "server_error")
        /// No connection became free within the pool's acquire timeout.
        package static let poolExhausted = Code(name: "pool_exhausted")
        /// The pool was shut down.
        package static let poolClosed = Code(name: "pool_closed")
        /// A column could not be decoded into the requested Swift type.
        package static let decoding = Code(name: "decoding_failed")
        /// COPY data was rejected or the protocol went wrong.
        package static let copyFailed = Code(name: "copy_failed")
    }

    package var code: Code
    /// The five-character SQLSTATE, when the server sent one.
    package var sqlState: String?
    package var message: String
    package var detail: String?
    package var hint: String?
    /// The statement that failed, for logs; never includes parameter values.
    package var query: String?
    /// 1-based character offset of the error in ``query``, when the server pointed at one.
    package var position: Int?

    package init(
        code: Code,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        query: String? = nil,
        position: Int? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.query = query
        self.position = position
    }

    package var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }

    /// Maps a SQLSTATE to the named kinds above. Class 08 and the 57P0x shutdown codes mean the connection is gone.
    static func code(forSQLState state: String?) -> Code {
        switch state {
        case "23505": return .uniqueViolation
        case "40001": return .serializationFailure
        case "40P01": return .deadlockDetected
        case "57014": return .queryCanceled
        case "57P01", "57P02", "57P03": return .connectionLost
        case let state? where state.hasPrefix("08"): return .connectionLost
        default: return .server
        }
    }
}

internal import CPostgres
import Foundation
import Logging
import NIOPosix

/// One libpq connection.
///
/// Invariant: one user at a time. The pool lends a connection to exactly one borrower, whose calls run
/// serially on the pool's blocking threads; `PQcancel` through ``cancelHandle`` is the only libpq call made
/// from elsewhere, which libpq documents as safe. `deinit` closes the connection.
package final class PostgresConnection: @unchecked Sendable {
    let handle: OpaquePointer
    private let cancelHandle: OpaquePointer?
    private let noticeSink: Unmanaged<NoticeSink>
    let threadPool: NIOThreadPool
    let logger: Logger
    let openedAt = ContinuousClock.now
    var idleSince = ContinuousClock.now
    /// Statements prepared on this session, by SQL text (only the borrower touches it, see the invariant).
    private var preparedStatements: [String: String] = [:]
    /// Names are never reused: a statement dropped from the cache may still be known to the server.
    private var preparedCount = 0
    /// Enough for every statement Nomaly runs repeatedly; beyond it statements run unprepared.
    static let maxPreparedStatements = 200

    private init(handle: OpaquePointer, threadPool: NIOThreadPool, logger: Logger) {
        self.handle = handle
        self.threadPool = threadPool
        self.logger = logger
        cancelHandle = PQgetCancel(handle)
        noticeSink = Unmanaged.passRetained(NoticeSink(logger: logger))
        PQsetNoticeReceiver(
            handle,
            { sink, result in
                guard let sink, let result else { return }
                let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
                Unmanaged<NoticeSink>.fromOpaque(sink).takeUnretainedValue().logger.debug("postgres notice", metadata: ["notice": "\(message)"])
            },
            noticeSink.toOpaque()
        )
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(handle)
        noticeSink.release()
    }

    /// Opens a connection and sets the session to UTC, ISO dates and hex bytea, which the decoders rely on.
    static func connect(configuration: PostgresConfiguration, threadPool: NIOThreadPool, logger: Logger) async throws -> PostgresConnection {
        try await threadPool.runIfActive {
            try blockingConnect(configuration: configuration, threadPool: threadPool, logger: logger)
        }
    }

    /// Blocking.
    static func blockingConnect(configuration: PostgresConfiguration, threadPool: NIOThreadPool, logger: Logger) throws -> PostgresConnection {
        let parameters = configuration.libpqParameters
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            for pointer in keywords + values { free(pointer) }
        }
        var keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        var valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let handle = PQconnectdbParams(&keywordPointers, &valuePointers, 1) else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, message: "cannot connect to Postgres: \(message)")
        }
        let connection = PostgresConnection(handle: handle, threadPool: threadPool, logger: logger)
        try connection.blockingExecuteScript(
            "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET bytea_output TO 'hex'; SET extra_float_digits TO 3"
        )
        return connection
    }

    /// False when libpq knows the connection is dead or reading what the server sent while it sat idle
    /// finds it closed. A terminated backend first sends a FATAL message and then closes the socket, so
    /// input is consumed until none is pending. Blocking, but returns at once: nothing here waits.
    func blockingIsUsable() -> Bool {
        guard PQstatus(handle) == CONNECTION_OK else { return false }
        for _ in 0..<8 {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { break }
            guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else { return false }
        }
        while let notify = PQnotifies(handle) { PQfreemem(notify) }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Whether the last statement left a transaction open or failed, which the pool must not hand on.
    var isIdle: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// The server process ID, which `pg_terminate_backend` takes.
    package var backendPID: Int32 { PQbackendPID(handle) }

    /// The server's version as an integer (150018 for 15.18).
    package var serverVersion: Int { Int(PQserverVersion(handle)) }

    // MARK: Queries

    /// Runs one parameterised statement.
    ///
    /// Only `$1…` placeholders carry values; the extended protocol refuses several statements in one string,
    /// so a value can never become SQL. Cancelling the task sends a cancel request to the server.
    /// - Parameters:
    ///   - sql: a single statement.
    ///   - parameters: one value per placeholder; Optional nil binds NULL.
    /// - Returns: the rows, or an empty result for statements without any.
    @discardableResult
    package func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresRows {
        let bound = parameters.map(\.postgresParameter)
        return try await runCancellable { try self.blockingQuery(sql, bound) }
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    package func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await query(sql, parameters).affectedRows
    }

    /// Runs work on the blocking pool; a cancelled task cancels the statement on the server.
    func runCancellable<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withTaskCancellationHandler {
            try await threadPool.runIfActive(body)
        } onCancel: {
            self.cancel()
        }
    }

    /// Asks the server to cancel whatever this connection is running. Safe from any thread.
    func cancel() {
        guard let cancelHandle else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &buffer, Int32(buffer.count))
    }

    /// Blocking.
    func blockingQuery(_ sql: String, _ parameters: [PostgresParameter]) throws -> PostgresRows {
        var storage: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        storage.reserveCapacity(parameters.count)
        defer { for pointer in storage { free(pointer) } }
        for parameter in parameters {
            switch parameter {
            case .null:
                storage.append(nil)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                storage.append(strdup(text))
                lengths.append(0)
                formats.append(0)
            case .binary(let bytes):
                let buffer = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: CChar.self)
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { memcpy(buffer, base, raw.count) }
                }
                storage.append(buffer)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        var values = storage.map { UnsafePointer($0) }
        let count = Int32(parameters.count)
        if let name = try preparedName(for: sql, parameterCount: count) {
            let result = PQexecPrepared(handle, name, count, &values, &lengths, &formats, 0)
            do {
                return PostgresRows(result: try check(result, query: sql))
            } catch let error as PostgresError where error.sqlState == "0A000" && error.message.contains("cached plan") {
                // A migration changed what the statement returns: forget the old plan; the next call prepares it
                // afresh. Inside a transaction the failure has aborted it, so only the caller can try again.
                preparedStatements[sql] = nil
                guard PQtransactionStatus(handle) == PQTRANS_IDLE else { throw error }
                _ = try? check(PQexec(handle, "DEALLOCATE \(name)"), query: nil)
            }
        }
        let result = PQexecParams(handle, sql, count, nil, &values, &lengths, &formats, 0)
        return PostgresRows(result: try check(result, query: sql))
    }

    /// The server-side name of `sql`, prepared on first use, so repeated statements skip parsing and planning (for
    /// the API's reads, most of the database's work). Only parameterised data statements are prepared; nil for the
    /// rest, and once the session holds ``maxPreparedStatements``.
    func preparedName(for sql: String, parameterCount: Int32) throws -> String? {
        if let name = preparedStatements[sql] { return name }
        guard parameterCount > 0, preparedStatements.count < Self.maxPreparedStatements else { return nil }
        let verb = sql.drop { $0.isWhitespace }.prefix(6).uppercased()
        guard ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(verb) || verb.hasPrefix("WITH") else { return nil }
        let name = "nomaly_\(preparedCount)"
        preparedCount += 1
        _ = try check(PQprepare(handle, name, sql, parameterCount, nil), query: sql)
        preparedStatements[sql] = name
        return name
    }

    /// Runs a script of several statements through the simple protocol. Blocking. Internal: only trusted SQL
    /// (migrations, session setup) may go this way, never anything containing user values.
    func blockingExecuteScript(_ sql: String) throws {
        _ = try check(PQexec(handle, sql), query: sql)
    }

    func executeScript(_ sql: String) async throws {
        try await runCancellable { try self.blockingExecuteScript(sql) }
    }

    /// Converts a libpq result into rows or a ``PostgresError``: the one place C errors become Swift errors.
    func check(_ result: OpaquePointer?, query: String?) throws -> PostgresResult {
        guard let result else {
            throw connectionError(query: query)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_COPY_OUT:
            return PostgresResult(handle: result)
        default:
            defer { PQclear(result) }
            throw Self.error(from: result, connectionBroken: isBroken, query: query)
        }
    }

    func connectionError(query: String?) -> PostgresError {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(
            code: isBroken ? .connectionLost : .server,
            message: message.isEmpty ? "the connection to the database failed" : message,
            query: query
        )
    }

    static func error(from result: OpaquePointer, connectionBroken: Bool, query: String?) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let pointer = PQresultErrorField(result, code) else { return nil }
            return String(cString: pointer)
        }
        let sqlState = field(CPostgres_DIAG_SQLSTATE)
        let fallback = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = field(CPostgres_DIAG_MESSAGE_PRIMARY) ?? (fallback.isEmpty ? "statement failed" : fallback)
        return PostgresError(
            code: connectionBroken ? .connectionLost : PostgresError.code(forSQLState: sqlState),
            message: message,
            sqlState: sqlState,
            detail: field(CPostgres_DIAG_MESSAGE_DETAIL),
            hint: field(CPostgres_DIAG_MESSAGE_HINT),
            query: query,
            position: field(CPostgres_DIAG_STATEMENT_POSITION).flatMap { Int($0) }
        )
    }
}

/// Receives libpq notices (for example "relation already exists, skipping") into our log instead of stderr.
private final class NoticeSink: Sendable {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

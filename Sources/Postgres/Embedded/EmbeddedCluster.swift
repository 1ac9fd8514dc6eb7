import Foundation
package import Logging
import NIOPosix
import Synchronization

/// A private Postgres cluster under `$NOMALY_HOME/postgres`, for running Nomaly with no database configured.
///
/// - initdb on first use, with a `nomaly` superuser and database;
/// - listens on a unix socket in a 0700 folder only (no TCP), so only this system user (and root) can connect;
/// - shared by every Nomaly process on the same home: each user holds a shared `flock` on `users.lock`
///   while it runs, and the last one out stops the server. A crashed process releases its lock with it.
/// - initdb refuses to run as root: as root the cluster runs as ``Options/systemUser`` (`postgres`).
///
/// ```swift
/// let cluster = EmbeddedCluster(options: .init(home: "/var/lib/nomaly"), logger: logger)
/// let configuration = try await cluster.start()   // PostgresConfiguration for the socket
/// defer { await cluster.stop() }
/// ```
package final class EmbeddedCluster: Sendable {
    package struct Options: Sendable {
        package var home: String
        /// The system user that owns and runs the cluster when the caller is root.
        package var systemUser: String
        /// `NOMALY_PG_BINDIR`; found automatically when nil.
        package var binDirectory: String?
        package var database = "nomaly"
        package var superuser = "nomaly"
        /// Only names the socket file; no TCP port is opened.
        package var port = 5432

        package init(home: String, systemUser: String = "postgres", binDirectory: String? = nil) {
            self.home = home
            self.systemUser = systemUser
            self.binDirectory = binDirectory
        }
    }

    package let options: Options
    package let clusterDirectory: String
    package let dataDirectory: String
    package let socketDirectory: String
    package let logFile: String
    private let logger: Logger
    private let usersLock: FileLock
    /// Whether this instance holds its shared lock on `users.lock`: a second ``stop()`` (a service group's, then a
    /// clean-up's) must not unregister again, or it would stop a server it no longer uses.
    private let registered = Mutex(false)

    package init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
        clusterDirectory = options.home + "/postgres"
        dataDirectory = clusterDirectory + "/data"
        logFile = clusterDirectory + "/server.log"
        socketDirectory = Self.socketDirectory(clusterDirectory: clusterDirectory, port: options.port)
        usersLock = FileLock(path: clusterDirectory + "/users.lock")
    }

    /// How clients reach the cluster once it runs.
    package var connectionString: String {
        "host=\(PostgresConfiguration.quoteConninfoValue(socketDirectory)) port=\(options.port) user=\(options.superuser) dbname=\(options.database)"
    }

    /// Prepares and starts the cluster if needed, and registers this process as a user of it.
    /// - Returns: the connection string of its socket.
    @discardableResult
    package func start() async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { try self.blockingStart() }
        return connectionString
    }

    /// Unregisters this process; the last user stops the server (`pg_ctl stop -m fast`).
    package func stop() async {
        guard
            registered.withLock({ registered in
                defer { registered = false }
                return registered
            })
        else { return }
        _ = try? await NIOThreadPool.singleton.runIfActive { self.blockingStop() }
    }

    /// Whether the server is running now (`pg_ctl status`).
    package func isRunning() throws -> Bool {
        let binaries = try ServerBinaries(override: options.binDirectory)
        return try run(binaries.path("pg_ctl"), ["status", "-D", dataDirectory]).status == 0
    }

    // MARK: Blocking work

    private var runAsUser: String? { geteuid() == 0 ? options.systemUser : nil }

    private func blockingStart() throws {
        let binaries = try ServerBinaries(override: options.binDirectory)
        try prepareDirectories()
        let control = FileLock(path: clusterDirectory + "/control.lock")
        try control.lock(.exclusive)
        defer { control.unlock() }

        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try initialise(binaries)
        }
        try writeSettings()
        if try run(binaries.path("pg_ctl"), ["status", "-D", dataDirectory]).status != 0 {
            logger.info("starting the embedded Postgres cluster", metadata: ["data": "\(dataDirectory)"])
            let started = try run(binaries.path("pg_ctl"), ["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-s"])
            guard started.status == 0 else {
                throw EmbeddedClusterError("the embedded Postgres cluster did not start: \(started.output.trimmed)\n\(logTail())")
            }
        }
        try ensureDatabase()
        try usersLock.lock(.shared)
        registered.withLock { $0 = true }
    }

    private func blockingStop() {
        let control = FileLock(path: clusterDirectory + "/control.lock")
        guard (try? control.lock(.exclusive)) != nil else { return }
        defer { control.unlock() }
        usersLock.unlock()
        // Another process still holding its shared lock keeps the server up.
        guard usersLock.tryLock(.exclusive) else { return }
        defer { usersLock.unlock() }
        guard let binaries = try? ServerBinaries(override: options.binDirectory) else { return }
        logger.info("stopping the embedded Postgres cluster")
        let stopped = try? run(binaries.path("pg_ctl"), ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "-s"])
        if let stopped, stopped.status != 0, (try? isRunning()) == true {
            logger.error("the embedded Postgres cluster did not stop", metadata: ["output": "\(stopped.output.trimmed)"])
        }
    }

    private func prepareDirectories() throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: options.home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try manager.createDirectory(atPath: clusterDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try manager.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw EmbeddedClusterError("cannot create \(clusterDirectory): \(error.localizedDescription); set NOMALY_HOME to a writable folder")
        }
        _ = chmod(socketDirectory, 0o700)
        if let user = runAsUser {
            guard let account = getpwnam(user) else {
                throw EmbeddedClusterError(
                    "running as root, the embedded cluster needs the system user '\(user)' (initdb refuses root); "
                        + "install postgresql, or set NOMALY_PG_USER to an existing user"
                )
            }
            for path in [clusterDirectory, socketDirectory] {
                _ = chown(path, account.pointee.pw_uid, account.pointee.pw_gid)
            }
            if !manager.fileExists(atPath: logFile) { _ = manager.createFile(atPath: logFile, contents: nil) }
            _ = chown(logFile, account.pointee.pw_uid, account.pointee.pw_gid)
        }
    }

    private func initialise(_ binaries: ServerBinaries) throws {
        logger.info("creating the embedded Postgres cluster", metadata: ["data": "\(dataDirectory)"])
        let result = try run(
            binaries.path("initdb"),
            [
                "-D", dataDirectory, "-U", options.superuser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
            ]
        )
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: dataDirectory)
            var message = "initdb failed: \(result.output.trimmed)"
            if let user = runAsUser, result.output.contains("Permission denied") {
                message +=
                    "\nthe system user '\(user)' must be able to reach \(clusterDirectory): make its parent folders traversable or set NOMALY_HOME elsewhere"
            }
            throw EmbeddedClusterError(message)
        }
        let configuration = dataDirectory + "/postgresql.conf"
        let include =
            "\n# Written by Nomaly: socket-only settings live in nomaly.conf, rewritten at every start.\ninclude_if_exists = 'nomaly.conf'\n"
        guard let handle = FileHandle(forWritingAtPath: configuration) else { throw EmbeddedClusterError("cannot append to \(configuration)") }
        handle.seekToEndOfFile()
        handle.write(Data(include.utf8))
        handle.closeFile()
    }

    /// Rewritten at each start so that a moved `NOMALY_HOME` (and so a moved socket folder) keeps working.
    private func writeSettings() throws {
        let settings = """
            listen_addresses = ''
            port = \(options.port)
            unix_socket_directories = '\(socketDirectory.replacingOccurrences(of: "'", with: "''"))'
            unix_socket_permissions = 0700

            """
        let path = dataDirectory + "/nomaly.conf"
        do {
            try settings.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw EmbeddedClusterError("cannot write \(path): \(error.localizedDescription)")
        }
        if let user = runAsUser, let account = getpwnam(user) {
            _ = chown(path, account.pointee.pw_uid, account.pointee.pw_gid)
        }
    }

    private func ensureDatabase() throws {
        let maintenance =
            "host=\(PostgresConfiguration.quoteConninfoValue(socketDirectory)) port=\(options.port) user=\(options.superuser) dbname=postgres"
        let connection = try PostgresConnection.blockingConnect(
            configuration: PostgresConfiguration(connectionString: maintenance),
            threadPool: .singleton,
            logger: logger
        )
        let exists = try connection.blockingQuery("SELECT 1 FROM pg_database WHERE datname = $1", [.text(options.database)]).count > 0
        if !exists {
            do {
                try connection.blockingExecuteScript("CREATE DATABASE \(quotePostgresIdentifier(options.database))")
            } catch let error as PostgresError where error.sqlState == "42P04" {
                // Created by a concurrent starter between our check and our CREATE.
            }
        }
    }

    private func run(_ program: String, _ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(program, arguments, asUser: runAsUser)
    }

    private func logTail() -> String {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return "" }
        return "last lines of \(logFile):\n" + text.split(separator: "\n").suffix(10).joined(separator: "\n")
    }

    /// Unix socket paths are limited to 107 bytes; a deep `NOMALY_HOME` falls back to a short folder in /tmp
    /// named after it.
    static func socketDirectory(clusterDirectory: String, port: Int) -> String {
        let preferred = clusterDirectory + "/run"
        if (preferred + "/.s.PGSQL.\(port)").utf8.count < 100 { return preferred }
        return "/tmp/nomaly-\(String(UInt64(bitPattern: AdvisoryLockKey(name: clusterDirectory).value), radix: 36))"
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

import AdminAPI
import ArgumentParser
import Config
import Logging
import Postgres
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: apply migrations, then serve health, readiness and version over HTTP until SIGTERM.",
        discussion: """
            Applies pending migrations at start (unless --no-migrate), then serves GET /health, /ready and /version \
            on NOMALY_HTTP_HOST:NOMALY_HTTP_PORT (default 127.0.0.1:8080). With no DATABASE_URL it starts the \
            embedded cluster under $NOMALY_HOME/postgres and stops it on exit. SIGTERM or SIGINT shut down \
            gracefully: the HTTP server stops accepting, in-flight requests finish, then the pool closes.
            """
    )

    @Flag(inversion: .prefixedNo, help: "Apply pending migrations before serving.")
    var migrate = true

    func run() async throws {
        try await reportingErrors {
            let runtime = try Runtime.load()
            let logger = runtime.logger
            let migrations = try runtime.loadMigrations()
            let database = try await runtime.openDatabase()
            do {
                try await Self.waitForDatabase(database.pool, logger: logger, timeout: runtime.configuration.databaseStartupTimeout)
                let migrator = Migrator(pool: database.pool, migrations: migrations, logger: logger)
                if migrate { try await migrator.apply() }
                let configuration = runtime.configuration
                let app = AdminServer.application(
                    host: configuration.httpHost,
                    port: configuration.httpPort,
                    version: NomalyVersion.current,
                    probes: [.database(database.pool), .migrations(migrator)],
                    logger: logger,
                    onListening: { port in
                        logger.info(
                            "nomaly is serving",
                            metadata: ["address": "\(configuration.httpHost):\(port)", "version": "\(NomalyVersion.current)"]
                        )
                    }
                )
                // Shutdown runs in reverse order: the HTTP server drains first, the pool closes last.
                let group = ServiceGroup(
                    configuration: .init(services: [database.pool, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
                )
                try await group.run()
                await database.close()
                logger.info("nomaly stopped")
            } catch {
                await database.close()
                throw error
            }
        }
    }

    /// A database that is still starting (compose, a failover) is waited for rather than crashing the daemon;
    /// after the timeout the error is reported and the process exits 1, so an orchestrator sees the failure.
    static func waitForDatabase(_ pool: PostgresPool, logger: Logger, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(250)
        while true {
            do {
                try await pool.query("SELECT 1")
                return
            } catch let error as PostgresError where error.code == .connectionFailed && ContinuousClock.now + delay < deadline {
                logger.warning("waiting for the database", metadata: ["error": "\(error.message)", "retry_in": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}

import AdminAPI
import ArgumentParser
import Audit
import Config
import Jobs
import Logging
import Maintenance
import Observability
import Postgres
import Registry
import Scheduler
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: apply migrations, run the scheduler, and serve HTTP until SIGTERM.",
        discussion: """
            Applies pending migrations at start (unless --no-migrate; the schema is compiled into the binary), loads \
            jobs/*.yaml into the database (with no jobs folder it loads none, logs so, and leaves the jobs already in the \
            database as they are) and runs the scheduler (WORKERS runs at once; any number of replicas share the work, \
            each slot runs once), and serves \
            /health, /ready, /metrics, /openapi.json and the token-protected /api/v1 (docs/api.md; tokens from \
            `nomaly tokens create`) on NOMALY_HTTP_HOST:NOMALY_HTTP_PORT (default 127.0.0.1:8080), in HTTPS when \
            NOMALY_TLS_CERT and NOMALY_TLS_KEY are set; /metrics on NOMALY_METRICS_PORT instead when that is set. With no \
            DATABASE_URL it starts the embedded cluster under $NOMALY_HOME/postgres and stops it on exit. SIGTERM or \
            SIGINT shut down gracefully: the HTTP server stops accepting and drains, running jobs get \
            NOMALY_SHUTDOWN_GRACE to finish (then they are handed back to other replicas), then the pool closes.
            """
    )

    @Flag(inversion: .prefixedNo, help: "Apply pending migrations before serving.")
    var migrate = true

    @Flag(name: .customLong("no-scheduler"), help: "Do not run jobs on this replica (serve only the API).")
    var withoutScheduler = false

    @Flag(name: .customLong("no-api"), help: "Do not serve HTTP on this replica (run only the scheduler).")
    var withoutAPI = false

    @Option(name: .customLong("jobs"), help: "The folder of job files (default NOMALY_JOBS_DIR, else ./jobs).")
    var jobsDirectory: String?

    func validate() throws {
        if withoutScheduler && withoutAPI { throw ValidationError("--no-scheduler and --no-api together leave nothing to run") }
    }

    func run() async throws {
        try await reportingErrors {
            var runtime = try Runtime.load(quiet: false)
            if let jobsDirectory { runtime.configuration.jobsDirectory = runtime.absolute(jobsDirectory) }
            let logger = runtime.logger
            let migrations = try runtime.loadMigrations()
            // Job files are checked before anything starts: a daemon must not come up with half its jobs.
            if !withoutScheduler {
                _ = try runtime.loadJobs(
                    kinds: BuiltInKinds.registry(
                        pool: nil,
                        specsDirectory: runtime.configuration.registryDirectory,
                        scoringLocations: try runtime.scoringLocations()
                    )
                )
            }
            let database = try await runtime.openDatabase()
            do {
                try await Self.waitForDatabase(database.pool, logger: logger, timeout: runtime.configuration.databaseStartupTimeout)
                let migrator = Migrator(pool: database.pool, migrations: migrations, logger: logger)
                if migrate { try await migrator.apply() }
                let configuration = runtime.configuration
                var services: [any Service] = [database.pool]
                let models = try runtime.modelServices(pool: database.pool)
                let kinds = BuiltInKinds.registry(
                    pool: database.pool,
                    models: models,
                    backups: try runtime.backupEnvironment(registry: models.registry)
                )
                if !withoutScheduler {
                    let specs = try runtime.loadJobs(kinds: kinds)
                    if specs == nil {
                        logger.warning(
                            "no jobs folder: no job files loaded; jobs already in the database are kept and run as before",
                            metadata: [
                                "folder": "\(configuration.jobsDirectory)",
                                "hint": "create the folder (an empty one retires every job), or set NOMALY_JOBS_DIR or --jobs",
                            ]
                        )
                    }
                    var settings = SchedulerConfiguration()
                    settings.workers = configuration.workers
                    settings.leaseDuration = configuration.leaseDuration
                    settings.shutdownGrace = configuration.shutdownGrace
                    services.append(
                        Scheduler(
                            store: RunStore(pool: database.pool),
                            kinds: kinds,
                            specs: specs,
                            configuration: settings,
                            logger: logger
                        )
                    )
                }
                let tokens = TokenStore(pool: database.pool)
                let probes: [ReadinessProbe] = [.database(database.pool), .migrations(migrator), .artifactStore(models.registry.artifacts)]
                let api = APIDependencies(
                    tokens: tokens,
                    runs: RunStore(pool: database.pool),
                    registry: models.registry,
                    audit: AuditLog(pool: database.pool),
                    kinds: kinds,
                    rateLimiter: configuration.rateLimitEnabled
                        ? RateLimiter(perMinute: configuration.rateLimitPerMinute, burst: configuration.rateLimitBurst) : nil,
                    cache: models.cache,
                    invocationsModel: configuration.invocationsModel,
                    scoringLocations: models.scoringLocations
                )
                // Bootstraps swift-metrics (Prometheus) once. A token required for /metrics passes the API's own gate,
                // so scrapes share its lockout and rate limits.
                let prometheus = NomalyMetrics.bootstrap()
                let metrics = MetricsEndpoint.standard(
                    pool: database.pool,
                    registry: models.registry,
                    probes: probes,
                    collectors: [.databasePool(database.pool, registry: prometheus), .backups(database.pool, registry: prometheus)],
                    gate: configuration.http.metricsRequireToken ? api.gate : nil,
                    trustedProxies: configuration.http.trustedProxies
                )
                let servers = try AdminServer.services(
                    host: configuration.httpHost,
                    port: configuration.httpPort,
                    version: NomalyVersion.current,
                    probes: probes,
                    api: api,
                    metrics: metrics,
                    settings: configuration.http,
                    scoring: configuration.scoring,
                    logger: logger,
                    onListening: { port in
                        logger.info(
                            "nomaly is serving",
                            metadata: [
                                "address": "\(configuration.httpHost):\(port)", "version": "\(NomalyVersion.current)",
                                "tls": "\(configuration.http.tlsCertificatePath != nil)",
                            ]
                        )
                    }
                )
                if !withoutAPI { services += [TokenRevocationListener(tokens: tokens, logger: logger)] + servers }
                // Shutdown runs in reverse order: the HTTP server drains first, then the scheduler lets running jobs
                // finish, and the pool closes last.
                let group = ServiceGroup(
                    configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
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

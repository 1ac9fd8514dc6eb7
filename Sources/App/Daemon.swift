import AdminAPI
import Audit
import Backup
import Jobs
package import Logging
import Maintenance
import ObjectStore
import Observability
package import Postgres
import Registry
import Scheduler
import ServiceLifecycle
import Settings
import UnixSignals

/// What `nomaly serve` runs on this replica: the flags a command line chose.
package struct DaemonOptions: Sendable {
    /// Apply pending migrations before serving.
    package var migrate = true
    /// Run jobs on this replica.
    package var runScheduler = true
    /// Serve HTTP on this replica.
    package var serveAPI = true

    package init(migrate: Bool = true, runScheduler: Bool = true, serveAPI: Bool = true) {
        self.migrate = migrate
        self.runScheduler = runScheduler
        self.serveAPI = serveAPI
    }
}

extension Runtime {
    /// Runs the daemon until SIGTERM or SIGINT: migrations, the scheduler and the HTTP servers in one service group.
    /// Job files are checked before anything starts: a daemon must not come up with half its jobs.
    package func serve(_ options: DaemonOptions) async throws {
        // First of all: SIGHUP's default action ends the process. From here on it asks for a reload of the job files,
        // kept until the jobs are loaded.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let migrations = try loadMigrations()
        if options.runScheduler { try checkJobFiles() }
        let database = try await openDatabase()
        try await withAsyncCleanup {
            try await Self.waitForDatabase(database.pool, logger: logger, timeout: configuration.postgres.startupTimeout)
            let migrator = Migrator(pool: database.pool, migrations: migrations, logger: logger)
            if options.migrate { try await migrator.apply() }
            let services =
                database.services + [S3TransferThreads.shared]
                + (try daemonServices(pool: database.pool, migrator: migrator, options: options, hangups: hangups))
            // Shutdown runs in reverse order: the HTTP server drains first, then the scheduler lets running jobs
            // finish, its control pool closes, the S3 transfer threads stop, the shared pool closes, and the embedded
            // cluster (if any) stops last.
            let group = ServiceGroup(
                configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            )
            try await group.run()
        } cleanup: {
            await database.close()
        }
        logger.info("nomaly stopped")
    }

    /// The job files validated against the built-in kinds, without a database.
    private func checkJobFiles() throws {
        _ = try loadJobs(kinds: offlineJobKinds(scoringLocations: try scoringLocations()))
    }

    /// Every long-lived part of the daemon over the pool, in start order (the HTTP servers last).
    private func daemonServices(
        pool: PostgresPool,
        migrator: Migrator,
        options: DaemonOptions,
        hangups: UnixSignalsSequence
    ) throws -> [any Service] {
        var services: [any Service] = []
        let models = try modelServices(pool: pool)
        let kinds = BuiltInKinds.registry(pool: pool, models: models, backups: try backupEnvironment(registry: models.registry))
        if options.runScheduler {
            services += try scheduler(pool: pool, kinds: kinds, hangups: hangups)
        } else {
            services.append(JobFileReloader.NothingToReload(hangups: hangups, logger: logger))
        }
        // A scheduler-only replica builds no HTTP side: no metrics bootstrap, no TLS certificate read.
        guard options.serveAPI else { return services }
        let tokens = TokenStore(pool: pool)
        let servers = try adminServers(pool: pool, migrator: migrator, models: models, kinds: kinds, tokens: tokens)
        return services + [TokenRevocationListener(tokens: tokens, logger: logger)] + servers
    }

    /// The scheduler over the job files (or, without a jobs folder, the jobs already in the database), after the
    /// control pool its planning, claims and heartbeats use: a service of its own, so it closes after the scheduler.
    /// Then the reloader, which writes the folder into the catalogue again when it changes.
    private func scheduler(pool: PostgresPool, kinds: JobKindRegistry, hangups: UnixSignalsSequence) throws -> [any Service] {
        let specs = try loadJobs(kinds: kinds)
        if specs == nil {
            logger.warning(
                "no jobs folder: no job files loaded; jobs already in the database are kept and run as before",
                metadata: [
                    "folder": "\(configuration.folders.jobsDirectory)",
                    "hint": "create the folder (it is read without a restart; an empty one retires every job), or set NOMALY_JOBS_DIR or --jobs",
                ]
            )
        }
        let control = PostgresPool(configuration: Scheduler.controlPoolConfiguration(for: pool.configuration), logger: logger)
        let scheduler = Scheduler(
            store: RunStore(pool: pool),
            control: RunStore(pool: control),
            kinds: kinds,
            specs: specs,
            configuration: configuration.scheduler,
            logger: logger
        )
        let folder = configuration.folders.jobsDirectory
        let reloader = JobFileReloader(
            folder: folder,
            load: { () throws(JobSpecLoadError) in try Self.jobFiles(in: folder, kinds: kinds) },
            store: RunStore(pool: pool),
            started: specs,
            catalogWritten: scheduler.catalogWritten,
            hangups: hangups,
            replica: configuration.scheduler.replicaID,
            logger: logger
        )
        // After the scheduler: it stops first, so no reload runs while the scheduler drains.
        return [control, scheduler, reloader]
    }

    /// The admin API and metrics servers.
    private func adminServers(
        pool: PostgresPool,
        migrator: Migrator,
        models: ModelServices,
        kinds: JobKindRegistry,
        tokens: TokenStore
    ) throws -> [any Service] {
        let configuration = configuration
        let logger = logger
        let probes: [ReadinessProbe] = [.database(pool), .migrations(migrator), .artifactStore(models.registry.artifacts)]
        let api = APIDependencies(
            tokens: tokens,
            runs: RunStore(pool: pool),
            registry: models.registry,
            audit: AuditLog(pool: pool),
            kinds: kinds,
            rateLimiter: configuration.rateLimits.makeLimiter(),
            cache: models.cache,
            invocationsModel: configuration.http.invocationsModel,
            scoringLocations: models.scoringLocations
        )
        // Bootstraps swift-metrics (Prometheus) once. A token required for /metrics passes the API's own gate,
        // so scrapes share its lockout and rate limits.
        let prometheus = NomalyMetrics.bootstrap()
        let metrics = MetricsEndpoint.standard(
            pool: pool,
            registry: models.registry,
            probes: probes,
            collectors: [.databasePool(pool, registry: prometheus), .backups(pool, registry: prometheus)],
            gate: configuration.http.metricsRequireToken ? api.gate : nil,
            trustedProxies: configuration.http.trustedProxies
        )
        return try AdminServer.services(
            host: configuration.http.host,
            port: configuration.http.port,
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
                        "address": "\(configuration.http.host):\(port)", "version": "\(NomalyVersion.current)",
                        "tls": "\(configuration.http.tlsCertificatePath != nil)",
                    ]
                )
            }
        )
    }

    /// A database that is still starting (compose, a failover) is waited for rather than crashing the daemon;
    /// after the timeout the error is reported and the process exits 1, so an orchestrator sees the failure.
    package static func waitForDatabase(_ pool: PostgresPool, logger: Logger, timeout: Duration) async throws {
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

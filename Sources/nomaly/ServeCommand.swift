import App
import ArgumentParser

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
            NOMALY_SHUTDOWN_GRACE to finish (then they are handed back to other replicas), then the pool closes. \
            Job files are read again without a restart when a file in the folder changes, on SIGHUP, and when \
            `nomaly jobs reload` asks: the whole set is judged first (a broken one is refused, its problems logged, and \
            the jobs run as before), then written in one transaction; running runs finish under the spec they started \
            with (docs/jobs.md, "Changing job files").
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
        var runtime = try Runtime.load(quiet: false)
        if let jobsDirectory { runtime.configuration.folders.jobsDirectory = runtime.absolute(jobsDirectory) }
        try await runtime.serve(DaemonOptions(migrate: migrate, runScheduler: !withoutScheduler, serveAPI: !withoutAPI))
    }
}

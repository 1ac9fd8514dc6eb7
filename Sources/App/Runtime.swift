import AdminAPI
import Backup
import FileSystem
import Foundation
package import Logging
import Observability
package import Postgres
package import Scheduler
package import ServiceLifecycle
package import Settings

/// The composition root: what every command needs (the configuration, a logger, and on demand the database and
/// the objects built over it). `nomaly`'s commands parse their arguments and call into it, so every command gets
/// the same wiring.
package struct Runtime {
    package var configuration: NomalyConfiguration
    package let logger: Logger

    package init(configuration: NomalyConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Reads the configuration and installs logging; a bad configuration ends the command with every problem listed.
    /// - Parameters:
    ///   - quiet: log only warnings and errors unless LOG_LEVEL says otherwise: a CLI command's output is its answer,
    ///     not the embedded cluster starting and stopping.
    ///   - environment: the variables to read, the process's by default; nothing else reads the process's environment.
    ///   - workingDirectory: resolves relative paths, the process's current directory by default.
    package static func load(
        quiet: Bool = true,
        environment: Environment = Environment(),
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> Runtime {
        let configuration = try readConfiguration(environment: environment, workingDirectory: workingDirectory)
        // Before anything uses the pool, which is sized once.
        BlockingWork.configure(threads: configuration.blockingWork.threads)
        bootstrapLogging(format: configuration.log.format, level: configuration.log.level(quiet: quiet))
        // After the bootstrap: a logger takes its handler when it is made.
        return Runtime(configuration: configuration, logger: Logger(label: "nomaly"))
    }

    /// What ``load(quiet:environment:workingDirectory:)`` reads, without installing anything for the whole process.
    /// - Throws: ``CommandFailure`` listing every invalid variable.
    package static func readConfiguration(environment: Environment, workingDirectory: String) throws(CommandFailure) -> NomalyConfiguration {
        do {
            return try NomalyConfiguration(environment: environment, workingDirectory: workingDirectory)
        } catch {
            throw CommandFailure(error.description + "\nrun `nomaly check` for the full report")
        }
    }

    /// The embedded cluster when no database is configured.
    package var embeddedCluster: EmbeddedCluster? {
        guard configuration.postgres.location == .embedded else { return nil }
        var options = EmbeddedCluster.Options(home: configuration.home, systemUser: configuration.postgres.embeddedClusterUser)
        options.binDirectory = configuration.postgres.binDirectory
        return EmbeddedCluster(options: options, logger: logger)
    }

    /// Starts the embedded cluster if needed and opens a pool, without closing either: for `serve`, which hands
    /// the pool to its service group. Call ``DatabaseHandle/close()`` when done.
    package func openDatabase() async throws -> DatabaseHandle {
        let cluster = embeddedCluster
        let postgres: PostgresConfiguration
        if let cluster {
            postgres = configuration.postgres.configuration(connectionString: try await cluster.start())
        } else {
            postgres = configuration.postgres.configuration!
        }
        logger.debug("database", metadata: ["target": "\(postgres.redactedConnectionString)"])
        return DatabaseHandle(pool: PostgresPool(configuration: postgres, logger: logger), cluster: cluster)
    }

    /// Runs `body` with a pool, then closes it and stops the embedded cluster if this was its last user.
    package func withDatabase<Result>(_ body: (PostgresPool) async throws -> Result) async throws -> Result {
        let database = try await openDatabase()
        return try await withAsyncCleanup {
            try await body(database.pool)
        } cleanup: {
            await database.close()
        }
    }

    /// The schema compiled into the binary, or the folder `NOMALY_MIGRATIONS_DIR` names instead.
    package func loadMigrations() throws -> [Migration] {
        guard let directory = configuration.postgres.migrationsDirectory else { return try Migration.embedded() }
        // Installs from before the schema was compiled in set the variable to a folder that an upgrade leaves stale.
        logger.warning(
            "using the migrations in NOMALY_MIGRATIONS_DIR, not the ones compiled into this binary",
            metadata: ["folder": "\(directory)", "hint": "leave NOMALY_MIGRATIONS_DIR unset outside development"]
        )
        return try Migration.load(from: directory)
    }

    /// Where ``loadMigrations()`` reads, for reports: "compiled into this binary" or "in FOLDER (NOMALY_MIGRATIONS_DIR)".
    package var migrationsSource: String {
        configuration.postgres.migrationsDirectory.map { "in \($0) (NOMALY_MIGRATIONS_DIR)" } ?? "compiled into this binary"
    }

    /// False when the jobs folder does not exist (a binary started away from its files): `serve` then loads no job
    /// files and leaves the database's catalogue as it is, where an empty folder would retire every job. A path that
    /// exists but cannot be read as a folder is still an error.
    package var hasJobsFolder: Bool { FileManager.default.fileExists(atPath: configuration.folders.jobsDirectory) }

    /// Every job file, validated against `kinds`; all problems are reported together. Nil without a jobs folder.
    package func loadJobs(kinds: JobKindRegistry) throws -> [JobSpec]? {
        do {
            return try jobFiles(kinds: kinds)
        } catch {
            throw CommandFailure("invalid job files:\n" + error.problems.map { "  \($0)" }.joined(separator: "\n"))
        }
    }

    /// `path` from a command line, absolute against the working directory the settings' paths start at.
    package func absolute(_ path: String) -> String {
        configuration.absolute(path)
    }
}

package struct DatabaseHandle {
    package let pool: PostgresPool
    package let cluster: EmbeddedCluster?

    /// The embedded cluster (if any) and the pool, as services in that order: a group stops the pool first, then
    /// the cluster, and both lifetimes end with the group's `run()`.
    package var services: [any Service] { (cluster.map { [$0] } ?? []) + [pool] }

    /// Closes the pool and stops the embedded cluster; after the group's services did so it does nothing more.
    package func close() async {
        await pool.close()
        await cluster?.stop()
    }
}

/// A failure already phrased for the operator: printed as `error: …` with exit status 1.
package struct CommandFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

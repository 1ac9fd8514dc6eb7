import AdminAPI
import App
import ArgumentParser
import Foundation
import Jobs
import Logging
import ObjectStore
import Observability
import Postgres
import Scheduler
import Settings

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration and the migration files; exit non-zero listing every problem.",
        discussion: """
            Reads every setting from the environment (docs/configuration.md) and reports all invalid ones at once, \
            each named by its variable. Checks the migrations (compiled into the binary, or NOMALY_MIGRATIONS_DIR's \
            NNNN_name.sql files when it is set). \
            Works offline; add --connect to also reach the database and compare its migrations.
            """
    )

    @Flag(help: "Print {ok, problems: [{variable, message}], settings} as JSON.")
    var json = false

    @Flag(help: "Also connect to the database (starting the embedded cluster if needed) and check its migrations.")
    var connect = false

    struct Report: Encodable {
        var ok: Bool
        var problems: [Problem]
        var settings: [String: String]
    }

    struct Problem: Encodable {
        let variable: String
        let message: String
        /// For job files: where the problem is.
        var file: String?
        var line: Int?
        var column: Int?
        var key: String?

        init(variable: String, message: String, file: String? = nil, line: Int? = nil, column: Int? = nil, key: String? = nil) {
            self.variable = variable
            self.message = message
            self.file = file
            self.line = line
            self.column = column
            self.key = key
        }

        /// A problem in a job file or model spec, located.
        init(variable: String, _ problem: JobSpecError) {
            self.init(
                variable: variable,
                message: problem.description,
                file: problem.file,
                line: problem.line,
                column: problem.column,
                key: problem.key
            )
        }
    }

    func run() async throws {
        var report = Report(ok: true, problems: [], settings: [:])
        var runtime: Runtime?
        let (configuration, problems) = NomalyConfiguration.read()
        if problems.isEmpty {
            report.settings = Self.settings(configuration)
            bootstrapLoggingQuietly(configuration)
            runtime = Runtime(configuration: configuration, logger: .init(label: "nomaly"))
        } else {
            report.problems += problems.map { Problem(variable: $0.variable, message: $0.message) }
        }
        switch configuration.s3 {
        case .success(let s3):
            if s3.isConfigured { report.settings["s3"] = s3.configuration.summary }
        case .failure(let error):
            report.problems += error.problems.map { Problem(variable: $0.variable, message: $0.message) }
        }
        if let runtime {
            do {
                let migrations = try runtime.loadMigrations()
                report.settings["migrations"] =
                    "\(migrations.count) files \(runtime.migrationsSource)" + (migrations.last.map { ", newest \($0.filename)" } ?? "")
                if connect {
                    let statuses = try await runtime.withDatabase { pool in
                        try await Migrator(pool: pool, migrations: migrations, logger: runtime.logger).status()
                    }
                    for status in statuses where status.state == .changed {
                        report.problems.append(
                            Problem(
                                variable: "NOMALY_MIGRATIONS_DIR",
                                message: "migration \(status.version)_\(status.name) was edited after it was applied"
                            )
                        )
                    }
                    let pending = statuses.filter { $0.state == .pending }.count
                    report.settings["database_migrations"] = pending == 0 ? "up to date" : "\(pending) pending"
                }
            } catch let error as MigrationError {
                report.problems.append(Problem(variable: "NOMALY_MIGRATIONS_DIR", message: error.message))
            } catch {
                report.problems.append(Problem(variable: "DATABASE_URL", message: "\(error)"))
            }
            var scoringLocations: ScoringLocations?
            do {
                scoringLocations = try runtime.scoringLocations()
            } catch {
                // Without the rule, a score job's s3:// locations would pass unchecked: say so rather than pass.
                report.problems.append(
                    Problem(
                        variable: "NOMALY_JOBS_DIR",
                        message: "score jobs' locations cannot be checked (the artifact store or the backups cannot be named): \(error)"
                    )
                )
            }
            do {
                let kinds = BuiltInKinds.registry(
                    pool: nil,
                    specsDirectory: runtime.configuration.folders.registryDirectory,
                    scoringLocations: scoringLocations
                )
                let folder = runtime.configuration.folders.jobsDirectory
                if runtime.hasJobsFolder {
                    let jobs = try JobSpecLoader(kinds: kinds).loadDirectory(folder)
                    report.settings["jobs"] = "\(jobs.count) in \(folder)"
                } else {
                    // Not a problem: serve runs without the folder. The setting says what that means.
                    report.settings["jobs"] = "no folder at \(folder): serve loads no job files and keeps the database's jobs"
                }
            } catch {
                report.problems += error.problems.map { Problem(variable: "NOMALY_JOBS_DIR", $0) }
            }
            do {
                let specs = try ModelSpecLoader.loadDirectory(runtime.configuration.folders.registryDirectory)
                report.settings["registry"] = "\(specs.count) model specs in \(runtime.configuration.folders.registryDirectory)"
            } catch {
                report.problems += error.problems.map { Problem(variable: "NOMALY_REGISTRY_DIR", $0) }
            }
            report.settings["artifacts"] = runtime.configuration.folders.artifacts
        }
        report.ok = report.problems.isEmpty
        if json {
            try JSONOutput.print(report)
        } else {
            for key in report.settings.keys.sorted() { print("\(key): \(report.settings[key]!)") }
            if report.ok {
                print("configuration OK")
            } else {
                for problem in report.problems {
                    let prefix = problem.file == nil ? "\(problem.variable): " : ""
                    FileHandle.standardError.write(Data("error: \(prefix)\(problem.message)\n".utf8))
                }
            }
        }
        if !report.ok { throw ExitCode.failure }
    }

    /// What will be used, with secrets redacted.
    static func settings(_ configuration: NomalyConfiguration) -> [String: String] {
        let database: String
        switch configuration.postgres.location {
        case .embedded: database = "embedded cluster in \(configuration.home)/postgres"
        case .libpqEnvironment: database = "libpq environment (PG* variables)"
        case .connectionString(let text): database = PostgresConfiguration.redact(text)
        }
        return [
            "home": configuration.home,
            "database": database,
            "database_pool": "\(configuration.postgres.poolSize) connections, acquire timeout \(configuration.postgres.acquireTimeout)",
            "http": "\(configuration.http.host):\(configuration.http.port)",
            "log": "\(configuration.log.level.rawValue) as \(configuration.log.format.rawValue)",
        ]
    }

    private func bootstrapLoggingQuietly(_ configuration: NomalyConfiguration) {
        Observability.bootstrapLogging(format: configuration.log.format, level: .warning)
    }
}

import AdminAPI
import Foundation
import Jobs
import Logging
import ObjectStore
import Observability
import Postgres
import Scheduler
import Settings

/// What `nomaly check` found: every problem at once, and the settings that will be used (secrets redacted).
/// Encoded as {ok, problems: [{variable, message, file?, line?, column?, key?}], settings}.
package struct CheckReport: Encodable, Sendable {
    package var ok: Bool
    package var problems: [Problem]
    package var settings: [String: String]

    package struct Problem: Encodable, Sendable {
        package let variable: String
        package let message: String
        /// For job files and model specs: where the problem is.
        package var file: String?
        package var line: Int?
        package var column: Int?
        package var key: String?

        package init(variable: String, message: String, file: String? = nil, line: Int? = nil, column: Int? = nil, key: String? = nil) {
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
}

extension Runtime {
    /// Reads every setting, the migrations, the job files and the model specs, and with `connect` the database's
    /// migrations, collecting every problem rather than stopping at the first. Logs only warnings and errors.
    /// - Parameter jobsDirectory: the folder `serve --jobs` would be given, instead of NOMALY_JOBS_DIR.
    package static func check(connect: Bool, jobsDirectory: String? = nil) async -> CheckReport {
        var report = CheckReport(ok: true, problems: [], settings: [:])
        var runtime: Runtime?
        let (read, problems) = NomalyConfiguration.read()
        var configuration = read
        if let jobsDirectory { configuration.folders.jobsDirectory = configuration.absolute(jobsDirectory) }
        if problems.isEmpty {
            report.settings = settings(configuration)
            bootstrapLogging(format: configuration.log.format, level: .warning)
            runtime = Runtime(configuration: configuration, logger: Logger(label: "nomaly"))
        } else {
            report.problems += problems.map { CheckReport.Problem(variable: $0.variable, message: $0.message) }
        }
        switch configuration.s3 {
        case .success(let s3):
            if s3.isConfigured { report.settings["s3"] = s3.configuration.summary }
        case .failure(let error):
            report.problems += error.problems.map { CheckReport.Problem(variable: $0.variable, message: $0.message) }
        }
        report.problems += libpqFileProblems(configuration)
        if let runtime {
            await runtime.checkMigrations(connect: connect, into: &report)
            runtime.checkFiles(into: &report)
            report.settings["artifacts"] = runtime.configuration.folders.artifacts
        }
        report.ok = report.problems.isEmpty
        return report
    }

    /// The migrations this binary uses and, with `connect`, whether the database applied them unchanged.
    private func checkMigrations(connect: Bool, into report: inout CheckReport) async {
        do {
            let migrations = try loadMigrations()
            report.settings["migrations"] =
                "\(migrations.count) files \(migrationsSource)" + (migrations.last.map { ", newest \($0.filename)" } ?? "")
            guard connect else { return }
            let statuses = try await withDatabase { pool in
                try await Migrator(pool: pool, migrations: migrations, logger: logger).status()
            }
            // Named as `migrate` names them: the file, 0003_api_runs.sql.
            func filenames(_ state: MigrationStatus.State) -> [String] {
                statuses.filter { $0.state == state }.map { status in
                    migrations.first { $0.version == status.version }?.filename ?? String(format: "%04d", status.version) + "_\(status.name).sql"
                }
            }
            for filename in filenames(.changed) {
                report.problems.append(
                    CheckReport.Problem(
                        variable: "NOMALY_MIGRATIONS_DIR",
                        message:
                            "migration \(filename) was edited after it was applied; restore the original file and put the change in a new migration"
                    )
                )
            }
            report.settings["database_migrations"] = Self.describeDatabaseMigrations(
                changed: filenames(.changed),
                pending: filenames(.pending),
                missing: filenames(.missing)
            )
        } catch let error as MigrationError {
            report.problems.append(CheckReport.Problem(variable: "NOMALY_MIGRATIONS_DIR", message: error.message))
        } catch {
            report.problems.append(CheckReport.Problem(variable: "DATABASE_URL", message: "\(error)"))
        }
    }

    /// "up to date" only when every migration here is applied unchanged and the database has none this binary lacks.
    static func describeDatabaseMigrations(changed: [String], pending: [String], missing: [String]) -> String {
        var parts: [String] = []
        if !changed.isEmpty { parts.append("\(changed.count) edited after it was applied (\(changed.joined(separator: ", ")))") }
        if !pending.isEmpty { parts.append("\(pending.count) pending (\(pending.joined(separator: ", ")))") }
        if !missing.isEmpty { parts.append("\(missing.count) applied by a newer nomaly (\(missing.joined(separator: ", ")))") }
        return parts.isEmpty ? "up to date" : parts.joined(separator: "; ")
    }

    /// The job files (judged as `serve` judges them, score jobs' locations included) and the model specs.
    private func checkFiles(into report: inout CheckReport) {
        var locations: ScoringLocations?
        do {
            locations = try scoringLocations()
        } catch {
            // Without the rule, a score job's s3:// locations would pass unchecked: say so rather than pass.
            report.problems.append(
                CheckReport.Problem(
                    variable: "NOMALY_JOBS_DIR",
                    message: "score jobs' locations cannot be checked (the artifact store or the backups cannot be named): \(error)"
                )
            )
        }
        do {
            let folder = configuration.folders.jobsDirectory
            if let jobs = try jobFiles(kinds: offlineJobKinds(scoringLocations: locations)) {
                report.settings["jobs"] = "\(jobs.count) in \(folder)"
            } else {
                // Not a problem: serve runs without the folder. The setting says what that means.
                report.settings["jobs"] = "no folder at \(folder): serve loads no job files and keeps the database's jobs"
            }
        } catch {
            report.problems += error.problems.map { CheckReport.Problem(variable: "NOMALY_JOBS_DIR", $0) }
        }
        do {
            let specs = try ModelSpecLoader.loadDirectory(configuration.folders.registryDirectory)
            report.settings["registry"] = "\(specs.count) model specs in \(configuration.folders.registryDirectory)"
        } catch {
            report.problems += error.problems.map { CheckReport.Problem(variable: "NOMALY_REGISTRY_DIR", $0) }
        }
    }

    /// The files the database settings name for libpq (CA, client certificate and key, CRL, password file), which
    /// libpq, not the settings reader, decides whether to use: see ``Postgres/PostgresSettings/fileProblems(environment:)``.
    private static func libpqFileProblems(_ configuration: NomalyConfiguration) -> [CheckReport.Problem] {
        configuration.postgres.fileProblems(environment: Environment()).map { CheckReport.Problem(variable: $0.variable, message: $0.message) }
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
}

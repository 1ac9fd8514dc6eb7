import App
import ArgumentParser
import Foundation

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration and the migration files; exit non-zero listing every problem.",
        discussion: """
            Reads every setting from the environment (docs/configuration.md) and reports all invalid ones at once, \
            each named by its variable. Checks the migrations (compiled into the binary, or NOMALY_MIGRATIONS_DIR's \
            NNNN_name.sql files when it is set). \
            Works offline; add --connect to also reach the database and compare its migrations. --jobs checks \
            the folder `serve --jobs` would load.
            """
    )

    @Flag(help: "Print {ok, problems: [{variable, message}], settings} as JSON.")
    var json = false

    @Flag(help: "Also connect to the database (starting the embedded cluster if needed) and check its migrations.")
    var connect = false

    @Option(name: .customLong("jobs"), help: "The folder of job files to check, as `serve --jobs` takes it (default NOMALY_JOBS_DIR, else ./jobs).")
    var jobsDirectory: String?

    func run() async throws {
        let report = await Runtime.check(connect: connect, jobsDirectory: jobsDirectory)
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
}

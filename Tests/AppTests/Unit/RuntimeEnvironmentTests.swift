import AdminAPI
import App
import Backup
import Foundation
import Logging
import Observability
import Postgres
import Settings
import Testing

@Suite("Runtime reads the environment it is given")
struct RuntimeEnvironmentTests {
    @Test("LOG_LEVEL decides a quiet command's level from the injected environment, not the process's")
    func logLevelFromInjectedEnvironment() throws {
        let explicit = try Runtime.readConfiguration(environment: Environment(["LOG_LEVEL": "debug"]), workingDirectory: "/srv/nomaly")
        #expect(explicit.log.level(quiet: true) == .debug)
        #expect(explicit.log.level(quiet: false) == .debug)

        let unset = try Runtime.readConfiguration(environment: Environment([:]), workingDirectory: "/srv/nomaly")
        #expect(unset.log.level(quiet: true) == .warning)
        #expect(unset.log.level(quiet: false) == .info)
    }

    @Test("every path setting starts at the injected working directory")
    func pathsFromInjectedWorkingDirectory() throws {
        let configuration = try Runtime.readConfiguration(
            environment: Environment(["NOMALY_HOME": "state", "NOMALY_JOBS_DIR": "conf/../jobs", "NOMALY_PG_BINDIR": "pg/bin"]),
            workingDirectory: "/srv/nomaly"
        )
        #expect(configuration.workingDirectory == "/srv/nomaly")
        #expect(configuration.home == "/srv/nomaly/state")
        #expect(configuration.folders.jobsDirectory == "/srv/nomaly/jobs")
        #expect(configuration.postgres.binDirectory == "/srv/nomaly/pg/bin")
        #expect(configuration.backups.directory == "/srv/nomaly/state/backups")
        #expect(configuration.http.scoringDirectory == "/srv/nomaly/state/scoring")
    }

    @Test("a command line's path is made absolute as settings' paths are: against the same folder, `..` resolved")
    func commandLinePaths() throws {
        let runtime = Runtime(
            configuration: try NomalyConfiguration(environment: Environment([:]), workingDirectory: "/srv/nomaly"),
            logger: Logger(label: "test")
        )
        #expect(runtime.absolute("jobs/../other-jobs") == "/srv/nomaly/other-jobs")
        #expect(runtime.absolute("./jobs") == "/srv/nomaly/jobs")
        #expect(runtime.absolute("/etc/nomaly/jobs") == "/etc/nomaly/jobs")
    }

    @Test("a bad configuration names every invalid variable and points at nomaly check")
    func badConfiguration() {
        let error = #expect(throws: CommandFailure.self) {
            try Runtime.readConfiguration(environment: Environment(["LOG_LEVEL": "loud", "WORKERS": "none"]), workingDirectory: "/srv")
        }
        let text = error?.description ?? ""
        #expect(text.contains("WORKERS: 'none'") && text.contains("LOG_LEVEL: 'loud'"), "\(text)")
        #expect(text.hasSuffix("run `nomaly check` for the full report"), "\(text)")
    }
}

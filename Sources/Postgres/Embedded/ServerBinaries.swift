import Foundation
import Processes

/// Finds the Postgres server programs (initdb, pg_ctl, pg_dump, …).
///
/// Debian keeps them outside PATH in `/usr/lib/postgresql/VERSION/bin`; `pg_config --bindir` names that
/// folder when libpq-dev is installed, and otherwise the newest version there is used.
package struct ServerBinaries: Sendable {
    package let directory: String

    /// - Parameter override: an explicit folder (`NOMALY_PG_BINDIR`), used as given.
    package init(override: String? = nil) throws {
        if let override {
            directory = override
        } else if let fromPgConfig = Self.pgConfigBindir(), FileManager.default.isExecutableFile(atPath: fromPgConfig + "/initdb") {
            directory = fromPgConfig
        } else if let newest = Self.newestDebianBindir() {
            directory = newest
        } else {
            throw EmbeddedClusterError(
                "cannot find the PostgreSQL server programs (initdb, pg_ctl): install the postgresql package "
                    + "(apt-get install postgresql) or set NOMALY_PG_BINDIR to the folder holding them"
            )
        }
        guard FileManager.default.isExecutableFile(atPath: directory + "/initdb") else {
            throw EmbeddedClusterError(
                "\(directory)/initdb is missing or not executable; set NOMALY_PG_BINDIR to the folder holding initdb and pg_ctl"
            )
        }
    }

    package func path(_ program: String) -> String { directory + "/" + program }

    private static func pgConfigBindir() -> String? {
        for candidate in ["/usr/bin/pg_config", "/usr/local/bin/pg_config"] where FileManager.default.isExecutableFile(atPath: candidate) {
            guard let result = try? ProcessRunner.run(candidate, ["--bindir"]), result.status == 0 else { continue }
            let path = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            if !path.isEmpty { return path }
        }
        return nil
    }

    private static func newestDebianBindir() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }
}

/// Runs server programs, as the cluster's system user when we are root (initdb refuses root).
enum ProcessRunner {
    struct Result {
        let status: Int32
        let output: String
    }

    /// Blocking.
    static func run(_ executable: String, _ arguments: [String], asUser user: String? = nil) throws -> Result {
        let argv = user.map { ["/usr/sbin/runuser", "-u", $0, "--", executable] + arguments } ?? [executable] + arguments
        do {
            let result = try ChildProcess.run(argv)
            return Result(status: result.status, output: result.combinedOutput)
        } catch {
            throw EmbeddedClusterError("\(error)")
        }
    }
}

/// The embedded cluster could not be prepared, started or stopped.
package struct EmbeddedClusterError: Error, Sendable, CustomStringConvertible {
    package let message: String
    init(_ message: String) { self.message = message }
    package var description: String { message }
}

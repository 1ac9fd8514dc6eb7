import FileSystem
import Foundation
import Postgres
import Processes

/// `pg_dump`, `pg_restore` and `psql` of a version that can handle the server: pg_dump refuses servers newer than
/// itself, and pg_restore reads only archives made by its own version or older. Debian installs each major version in
/// `/usr/lib/postgresql/N/bin`; the oldest one at least as new as the server is chosen, so dumps stay readable by
/// that server's own tools.
package struct PostgresTools: Sendable {
    package let directory: String?
    package let version: String

    /// - Parameters:
    ///   - serverMajor: the server's major version (15 for 15.10).
    ///   - override: `NOMALY_PG_BINDIR`, used as given.
    package init(serverMajor: Int, override: String? = nil) throws(BackupError) {
        let candidates: [String?]
        if let override {
            candidates = [override]
        } else {
            let root = "/usr/lib/postgresql"
            let installed = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
            candidates = installed.filter { $0 >= serverMajor }.map { "\(root)/\($0)/bin" } + [nil]
        }
        for directory in candidates {
            let program = directory.map { $0 + "/pg_dump" } ?? "pg_dump"
            guard directory == nil || FileManager.default.isExecutableFile(atPath: program),
                let result = try? ChildProcess.run([program, "--version"]), result.status == 0,
                let major = Self.majorVersion(result.standardOutput), major >= serverMajor
            else { continue }
            self.directory = directory
            version = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            return
        }
        throw BackupError(
            .tool,
            "no pg_dump of version \(serverMajor) or newer found (looked in \(override ?? "/usr/lib/postgresql/*/bin") and PATH): "
                + "install postgresql-client-\(serverMajor) or set NOMALY_PG_BINDIR"
        )
    }

    package func path(_ program: String) -> String { directory.map { $0 + "/" + program } ?? program }

    /// `15` from `pg_dump (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)`.
    static func majorVersion(_ versionLine: String) -> Int? {
        guard let number = versionLine.split(separator: " ").first(where: { $0.first?.isNumber == true }) else { return nil }
        return Int(number.split(separator: ".").first ?? "")
    }

    /// How long a program has after SIGTERM (a cancelled task, a failed write) before it is killed.
    static let killGrace: Duration = .seconds(10)

    /// Runs a client program to completion with the database reached through `environment`; cancelling the task stops
    /// it (``Processes/ChildProcess/supervise(_:environment:workingDirectory:standardInput:killGrace:_:)``).
    /// - Parameter input: a file the program reads as its standard input (pg_restore's archive): opened here and
    ///   handed over as a descriptor, so the program reads the very file this process checked, even when its path
    ///   leads through `/proc/self/fd` (``PrivateScratch``), which the program could not follow.
    /// - Throws: ``BackupError`` `.tool` with the program's own message when it exits non-zero.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String], input: String? = nil, what: String) async throws -> ChildProcess.Result {
        var standardInput: Int32?
        if let input {
            standardInput = try await BlockingWork.run {
                let descriptor = open(input, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw BackupError(.storage, "\(what): cannot open \(input): \(String(cString: strerror(errno)))") }
                return descriptor
            }
        }
        defer { if let standardInput { close(standardInput) } }
        let result: ChildProcess.Result
        do {
            result = try await ChildProcess.supervise(arguments, environment: environment, standardInput: standardInput, killGrace: killGrace) {
                $0.collect()
            }
        } catch let error as ChildProcessError {
            throw BackupError(.tool, "\(what): \(error)")
        }
        guard result.status == 0 else {
            throw BackupError(
                .tool,
                "\(what): \(URL(fileURLWithPath: arguments[0]).lastPathComponent) exited with status \(result.status): \(lastLines(result.standardError))"
            )
        }
        return result
    }

    /// The end of a program's diagnostics, where the reason usually is, bounded for error columns.
    static func lastLines(_ text: String, count: Int = 6) -> String {
        let lines = text.split(separator: "\n").suffix(count).joined(separator: "\n")
        return lines.isEmpty ? "(no message)" : String(lines.suffix(2000))
    }
}

extension PostgresPool {
    /// The server's major version (`server_version_num` / 10000).
    func serverMajorVersion() async throws -> (major: Int, text: String) {
        struct Row: Decodable {
            let number: Int
            let text: String
        }
        let row = try await query("SELECT current_setting('server_version_num')::int AS number, current_setting('server_version') AS text")
            .decode(Row.self).first!
        return (row.number / 10000, row.text)
    }
}

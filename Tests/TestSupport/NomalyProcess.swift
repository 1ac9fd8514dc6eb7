import Foundation
package import Processes

/// Runs the built `nomaly` binary as an operator would, with a controlled environment.
///
/// The schema is the one compiled into the binary, as in production: `NOMALY_MIGRATIONS_DIR` is set only by a test
/// that passes it. Pass `workingDirectory` to start `nomaly` away from the repository (no `migrations/`, `jobs/`).
package enum NomalyProcess {
    /// The test process's environment minus anything that would point `nomaly` at another database or at other
    /// migrations or jobs than a test chose.
    package static func environment(_ overrides: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in [
            "DATABASE_URL", "DATABASE_URL_FILE", "POSTGRES_HOST", "PGHOST", "PGDATABASE", "PGSERVICE", "PGPORT", "NOMALY_HOME",
            "NOMALY_MIGRATIONS_DIR", "NOMALY_JOBS_DIR",
        ] {
            environment.removeValue(forKey: key)
        }
        environment["LOG_LEVEL"] = "info"
        environment.merge(overrides) { _, new in new }
        return environment
    }

    /// Runs `nomaly ARGUMENTS` to completion on a background thread.
    /// - Parameter workingDirectory: where `nomaly` starts; the test process's (the repository root) when nil.
    package static func run(
        _ arguments: [String],
        environment overrides: [String: String] = [:],
        workingDirectory: String? = nil
    ) async throws -> ChildProcess.Result {
        let child = try start(arguments, environment: overrides, workingDirectory: workingDirectory)
        return await collect(child)
    }

    /// Starts `nomaly ARGUMENTS` without waiting for it.
    package static func start(
        _ arguments: [String],
        environment overrides: [String: String] = [:],
        workingDirectory: String? = nil
    ) throws -> ChildProcess {
        try ChildProcess.spawn(
            [TestEnvironment.nomalyExecutable] + arguments,
            environment: environment(overrides),
            workingDirectory: workingDirectory
        )
    }

    /// Waits for the child on a thread of its own, so the cooperative pool never blocks.
    package static func collect(_ child: ChildProcess) async -> ChildProcess.Result {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: child.collect()) }
        }
    }
}

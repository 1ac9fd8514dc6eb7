import Foundation
public import Processes

/// Runs the built `nomaly` binary as an operator would, with a controlled environment.
public enum NomalyProcess {
    /// The test process's environment minus anything that would point `nomaly` at another database.
    public static func environment(_ overrides: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in ["DATABASE_URL", "DATABASE_URL_FILE", "POSTGRES_HOST", "PGHOST", "PGDATABASE", "PGSERVICE", "PGPORT", "NOMALY_HOME"] {
            environment.removeValue(forKey: key)
        }
        environment["NOMALY_MIGRATIONS_DIR"] = TestEnvironment.repositoryRoot + "/migrations"
        environment["LOG_LEVEL"] = "info"
        environment.merge(overrides) { _, new in new }
        return environment
    }

    /// Runs `nomaly ARGUMENTS` to completion on a background thread.
    public static func run(_ arguments: [String], environment overrides: [String: String] = [:]) async throws -> ChildProcess.Result {
        let child = try ChildProcess.spawn([TestEnvironment.nomalyExecutable] + arguments, environment: environment(overrides))
        return await collect(child)
    }

    /// Starts `nomaly ARGUMENTS` without waiting for it.
    public static func start(_ arguments: [String], environment overrides: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess.spawn([TestEnvironment.nomalyExecutable] + arguments, environment: environment(overrides))
    }

    /// Waits for the child on a thread of its own, so the cooperative pool never blocks.
    public static func collect(_ child: ChildProcess) async -> ChildProcess.Result {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: child.collect()) }
        }
    }
}

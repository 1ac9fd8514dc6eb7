import FileSystem
import Synchronization

/// The client programs chosen for each server version, looked up once per ``BackupEnvironment`` (and its copies):
/// choosing them runs `pg_dump --version` for each installed version, which every verify, restore and backup step
/// would otherwise repeat. The lookup runs on the blocking pool, never on the caller's thread. A failed lookup is not
/// kept, so tools installed after it are found by the next step.
///
/// ```swift
/// let tools = try await environment.tools.forServer(major: 16, override: environment.binDirectory)
/// let program = tools.path("pg_restore")
/// ```
final class PostgresToolsCache: Sendable {
    private struct Key: Hashable {
        let major: Int
        let override: String?
    }

    private let found = Mutex<[Key: PostgresTools]>([:])

    init() {}

    /// The tools for a server of major version `major` (``PostgresTools/init(serverMajor:override:)``).
    /// - Throws: ``BackupError`` `.tool` when no suitable pg_dump is installed.
    func forServer(major: Int, override: String?) async throws -> PostgresTools {
        let key = Key(major: major, override: override)
        if let tools = found.withLock({ $0[key] }) { return tools }
        let tools = try await BlockingWork.run { try PostgresTools(serverMajor: major, override: override) }
        found.withLock { $0[key] = tools }
        return tools
    }
}

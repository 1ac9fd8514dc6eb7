import FileSystem
import Foundation
import Synchronization

/// The client programs chosen for each server version, looked up once per ``BackupEnvironment`` (and its copies):
/// choosing them runs `pg_dump --version` for each installed version, which every verify, restore and backup step
/// would otherwise repeat. The lookup runs on the blocking pool, never on the caller's thread. A failed lookup is not
/// kept, so tools installed after it are found by the next step; nor is a choice whose pg_dump is gone (a package
/// upgrade removed that version's folder), so a long-running daemon's next backup looks again instead of failing.
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
        let kept = found.withLock { found -> PostgresTools? in
            guard let tools = found[key] else { return nil }
            if tools.stillInstalled { return tools }
            found[key] = nil
            return nil
        }
        if let kept { return kept }
        let tools = try await BlockingWork.run { try PostgresTools(serverMajor: major, override: override) }
        found.withLock { $0[key] = tools }
        return tools
    }
}

extension PostgresTools {
    /// False when the chosen pg_dump has been removed since it was chosen. Tools found on `PATH` (no folder) are left
    /// to the shell's lookup at each run.
    fileprivate var stillInstalled: Bool {
        directory.map { FileManager.default.isExecutableFile(atPath: $0 + "/pg_dump") } ?? true
    }
}

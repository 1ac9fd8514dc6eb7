import Foundation
package import Logging
import Postgres

/// Where the integration services are, as `scripts/test` exports them.
///
/// A missing variable is a failure, never a skip: a suite that silently skips its database tests
/// would pass on a machine where nothing was tested.
package enum TestEnvironment {
    package struct Missing: Error, CustomStringConvertible {
        package let variable: String
        package var description: String { "\(variable) is not set: run the tests through scripts/test, which starts the services" }
    }

    package static func require(_ variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { throw Missing(variable: variable) }
        return value
    }

    package static func databaseURL() throws -> String { try require("DATABASE_URL") }

    /// The repository root, found from this file's path, for `migrations/` and the like.
    package static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The folder of the built products (`.build/debug`), where `swift build --build-tests` put `nomaly`.
    package static let productsDirectory: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // swift-testing on Linux runs `<products>/nomalyPackageTests.xctest` directly.
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("nomaly").path) {
            directory.deleteLastPathComponent()
        }
        return directory.path
    }()

    package static var nomalyExecutable: String { productsDirectory + "/nomaly" }

    package static let logger: Logger = {
        var logger = Logger(label: "tests")
        logger.logLevel = .warning
        return logger
    }()

    /// A unique suffix for scratch names.
    package static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    }
}

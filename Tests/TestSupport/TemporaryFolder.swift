package import Foundation

/// A folder under /tmp for one test, removed when the value goes away.
package final class TemporaryFolder: Sendable {
    package let path: String

    package init(_ prefix: String = "nomaly-test") throws {
        path = "/tmp/" + TestEnvironment.uniqueName(prefix)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `contents` at `relative`, creating folders, and returns the absolute path.
    @discardableResult
    package func file(_ relative: String, _ contents: String) throws -> String {
        try data(relative, Data(contents.utf8))
    }

    @discardableResult
    package func data(_ relative: String, _ contents: Data) throws -> String {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url)
        return url.path
    }

    package func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
    }

    /// Names in the folder itself, to check that nothing was left beside an output.
    package func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

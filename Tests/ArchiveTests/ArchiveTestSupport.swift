import Foundation
import Processes
import TestSupport
import Testing

/// A scratch folder for one test, removed afterwards.
final class Scratch {
    let path = "/tmp/" + TestEnvironment.uniqueName("archive-test")

    init() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ relative: String, _ contents: String) throws {
        try data(relative, Data(contents.utf8))
    }

    func data(_ relative: String, _ contents: Data) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url)
    }

    /// Names in the scratch folder itself, to check nothing was left beside a destination.
    func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

/// Runs a program and fails the test with its output when it exits non-zero.
@discardableResult
func run(_ arguments: [String], in directory: String? = nil) throws -> String {
    let result = try ChildProcess.run(arguments, workingDirectory: directory)
    guard result.status == 0 else {
        throw CommandError(description: "\(arguments.joined(separator: " ")) exited \(result.status): \(result.combinedOutput)")
    }
    return result.standardOutput
}

struct CommandError: Error, CustomStringConvertible {
    let description: String
}

/// Builds a hostile archive with Python's tarfile (an independent writer), see Fixtures/make_hostile.py.
func hostileArchive(_ kind: String, at output: String, marker: String) throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/make_hostile.py").path
    try run(["python3", script, kind, output, marker])
}

func sha256sum(_ path: String) throws -> String {
    String(try run(["sha256sum", path]).prefix(64))
}

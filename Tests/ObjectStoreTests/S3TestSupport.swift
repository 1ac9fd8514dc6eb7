import Foundation
import ObjectStore
import Processes
import TestSupport
import Testing

/// The moto server `scripts/test` started (signature checking on), and helpers around it.
///
/// Buckets are created with the aws CLI, so that every test also has an independent client at hand: one that
/// writes objects for us to read, reads ours, and lists incomplete multipart uploads.
enum S3Fixture {
    static func endpoint() throws -> String { try TestEnvironment.require("S3_ENDPOINT") }

    /// The server's real access key, as `scripts/test` exported it.
    static func configuration() throws -> S3Configuration {
        var configuration = S3Configuration(
            endpoint: URL(string: try endpoint()),
            region: "us-east-1",
            accessKeyID: try TestEnvironment.require("AWS_ACCESS_KEY_ID"),
            secretAccessKey: try TestEnvironment.require("AWS_SECRET_ACCESS_KEY")
        )
        configuration.retryBaseDelay = .milliseconds(100)
        return configuration
    }

    /// A fresh, empty bucket of its own for one test.
    static func makeBucket() async throws -> String {
        let bucket = "nomaly-" + TestEnvironment.uniqueName("t").replacingOccurrences(of: "_", with: "-")
        try await aws(["s3api", "create-bucket", "--bucket", bucket])
        return bucket
    }

    static func store(_ bucket: String, prefix: String = "", _ adjust: (inout S3Configuration) -> Void = { _ in }) throws -> S3Store {
        var configuration = try configuration()
        adjust(&configuration)
        return S3Store(configuration: configuration, bucket: bucket, prefix: prefix, logger: TestEnvironment.logger)
    }

    /// Runs the aws CLI against the test server.
    /// - Returns: its standard output; a non-zero exit fails the calling test with the CLI's message.
    @discardableResult
    static func aws(_ arguments: [String], environment overrides: [String: String] = [:]) async throws -> String {
        let result = try await run(["aws", "--endpoint-url", try endpoint()] + arguments, environment: overrides)
        guard result.status == 0 else { throw ToolFailure(command: "aws " + arguments.joined(separator: " "), output: result.combinedOutput) }
        return result.standardOutput
    }

    /// Runs a boto3 script; `sys.argv[1]` is the endpoint and `sys.argv[2...]` are `arguments`.
    @discardableResult
    static func boto3(_ script: String, _ arguments: [String]) async throws -> String {
        let result = try await run(["python3", "-c", script, try endpoint()] + arguments)
        guard result.status == 0 else { throw ToolFailure(command: "boto3 script", output: result.combinedOutput) }
        return result.standardOutput
    }

    /// The uploads S3 still holds parts for, as `key uploadId` lines (ListMultipartUploads through the aws CLI).
    static func incompleteUploads(_ bucket: String) async throws -> [String] {
        let output = try await aws([
            "s3api", "list-multipart-uploads", "--bucket", bucket, "--query", "Uploads[].[Key,UploadId]", "--output", "text",
        ])
        return output.split(separator: "\n").map(String.init).filter { !$0.isEmpty && $0 != "None" }
    }

    /// `sha256sum FILE`: an independent opinion on what a file holds.
    static func sha256(_ path: String) async throws -> String {
        let result = try await run(["sha256sum", path])
        guard result.status == 0, let hash = result.standardOutput.split(separator: " ").first else {
            throw ToolFailure(command: "sha256sum \(path)", output: result.combinedOutput)
        }
        return String(hash)
    }

    static func run(_ arguments: [String], environment overrides: [String: String] = [:]) async throws -> ChildProcess.Result {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(overrides) { _, new in new }
        let child = try ChildProcess.spawn(arguments, environment: environment)
        return await NomalyProcess.collect(child)
    }

    struct ToolFailure: Error, CustomStringConvertible {
        let command: String
        let output: String
        var description: String { "\(command) failed: \(output)" }
    }
}

/// Scratch files for one test, removed by ``remove()``.
struct ScratchFolder {
    let path: String

    init() throws {
        path = "/tmp/" + TestEnvironment.uniqueName("nomaly-s3")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A file of `size` random bytes, written by `dd` in a child process: tests must not block the cooperative
    /// thread pool they share with every other test.
    func file(_ name: String, size: Int) async throws -> String {
        let file = path + "/" + name
        let result = try await S3Fixture.run([
            "dd", "if=/dev/urandom", "of=\(file)", "bs=1048576", "count=\(size)", "iflag=count_bytes", "status=none",
        ])
        guard result.status == 0 else { throw S3Fixture.ToolFailure(command: "dd", output: result.combinedOutput) }
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

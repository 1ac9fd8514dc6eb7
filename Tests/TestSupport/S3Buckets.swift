import Foundation
package import ObjectStore
import Processes

/// The moto S3 server that `scripts/test` started, with buckets made by the aws CLI.
package enum S3Buckets {
    package static func configuration() throws -> S3Configuration {
        var configuration = S3Configuration(
            endpoint: URL(string: try TestEnvironment.require("S3_ENDPOINT")),
            region: "us-east-1",
            accessKeyID: try TestEnvironment.require("AWS_ACCESS_KEY_ID"),
            secretAccessKey: try TestEnvironment.require("AWS_SECRET_ACCESS_KEY")
        )
        configuration.retryBaseDelay = .milliseconds(100)
        return configuration
    }

    /// A new empty bucket and a store over it with `prefix`.
    package static func makeStore(prefix: String = "", name: String = "registry") async throws -> S3Store {
        let bucket = "nomaly-" + TestEnvironment.uniqueName(name).replacingOccurrences(of: "_", with: "-")
        let command = ["aws", "--endpoint-url", try TestEnvironment.require("S3_ENDPOINT"), "s3api", "create-bucket", "--bucket", bucket]
        let child = try ChildProcess.spawn(command)
        let result = await NomalyProcess.collect(child)
        guard result.status == 0 else { throw ToolFailure(description: "aws s3api create-bucket failed: \(result.combinedOutput)") }
        return S3Store(configuration: try configuration(), bucket: bucket, prefix: prefix, logger: TestEnvironment.logger)
    }

    package struct ToolFailure: Error, CustomStringConvertible {
        package let description: String
    }
}

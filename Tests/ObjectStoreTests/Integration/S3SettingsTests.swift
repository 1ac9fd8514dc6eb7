import Foundation
import ObjectStore
import Settings
import Testing

@Suite("S3 settings from the environment")
struct S3SettingsTests {
    @Test("nothing set: AWS in us-east-1, anonymous, 64 MiB threshold, 16 MiB parts, 4 at a time, 5 attempts")
    func defaults() throws {
        let settings = try S3Settings(environment: Environment([:]))
        #expect(!settings.isConfigured)
        let configuration = settings.configuration
        #expect(configuration.endpoint == nil)
        #expect(configuration.region == "us-east-1")
        #expect(configuration.bucket == nil)
        #expect(configuration.prefix == "")
        #expect(!configuration.forcePathStyle)
        #expect(configuration.accessKeyID == nil && configuration.secretAccessKey == nil && configuration.sessionToken == nil)
        #expect(configuration.multipartThreshold == 64 << 20)
        #expect(configuration.partSize == 16 << 20)
        #expect(configuration.concurrency == 4)
        #expect(configuration.maxAttempts == 5)
    }

    @Test("every variable, sizes in operator notation")
    func everything() throws {
        let settings = try S3Settings(
            environment: Environment([
                "S3_ENDPOINT": "http://minio:9000", "S3_REGION": "eu-west-1", "AWS_REGION": "ignored-1", "S3_BUCKET": "artifacts",
                "S3_PREFIX": "nomaly", "S3_FORCE_PATH_STYLE": "true", "AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s3cret",
                "AWS_SESSION_TOKEN": "token", "S3_MULTIPART_THRESHOLD": "128MiB", "S3_PART_SIZE": "8 MiB", "S3_CONCURRENCY": "8",
                "S3_MAX_ATTEMPTS": "3",
            ])
        )
        let configuration = settings.configuration
        #expect(settings.isConfigured)
        #expect(configuration.endpoint?.absoluteString == "http://minio:9000")
        #expect(configuration.region == "eu-west-1")
        #expect(configuration.bucket == "artifacts")
        #expect(configuration.prefix == "nomaly/")
        #expect(configuration.forcePathStyle)
        #expect(configuration.accessKeyID == "AKIA1")
        #expect(configuration.secretAccessKey == "s3cret")
        #expect(configuration.sessionToken == "token")
        #expect(configuration.multipartThreshold == 128 << 20)
        #expect(configuration.partSize == 8 << 20)
        #expect(configuration.concurrency == 8)
        #expect(configuration.maxAttempts == 3)
        #expect(!configuration.summary.contains("s3cret"))
        // The access key id is half of a credential and names the account: redacted too (issue 26).
        #expect(!configuration.summary.contains("AKIA1") && !configuration.summary.contains("token"), "\(configuration.summary)")
        #expect(configuration.summary.hasSuffix("signed with temporary credentials (redacted)"), "\(configuration.summary)")
    }

    @Test("region falls back to AWS_REGION, then AWS_DEFAULT_REGION; bucket to the deployment guide's names")
    func fallbacks() throws {
        let region = try S3Configuration.fromEnvironment(Environment(["AWS_DEFAULT_REGION": "ap-south-1", "AWS_REGION": "eu-north-1"]))
        #expect(region.region == "eu-north-1")
        #expect(try S3Configuration.fromEnvironment(Environment(["AWS_DEFAULT_REGION": "ap-south-1"])).region == "ap-south-1")
        #expect(try S3Configuration.fromEnvironment(Environment(["S3_BUCKET_NAME": "pynomaly-production-data"])).bucket == "pynomaly-production-data")
        #expect(try S3Configuration.fromEnvironment(Environment(["AWS_S3_BACKUP_BUCKET": "backups"])).bucket == "backups")
        let both = try S3Configuration.fromEnvironment(Environment(["S3_BUCKET": "first", "AWS_S3_BACKUP_BUCKET": "second"]))
        #expect(both.bucket == "first")
    }

    @Test("credentials may come from _FILE secrets")
    func secretFiles() throws {
        let path = NSTemporaryDirectory() + "nomaly-s3-secret-\(UUID().uuidString)"
        try "from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try S3Configuration.fromEnvironment(
            Environment(["AWS_ACCESS_KEY_ID_FILE": path, "AWS_SECRET_ACCESS_KEY_FILE": path, "AWS_SESSION_TOKEN_FILE": path])
        )
        #expect(configuration.accessKeyID == "from-file")
        #expect(configuration.secretAccessKey == "from-file")
        #expect(configuration.sessionToken == "from-file")
    }

    @Test("every invalid variable is reported at once, each by name")
    func allProblemsTogether() {
        let error = #expect(throws: ConfigurationError.self) {
            try S3Settings(
                environment: Environment([
                    "S3_ENDPOINT": "minio:9000", "S3_REGION": "EU West", "S3_BUCKET": "No_Such!", "S3_PREFIX": "../up",
                    "S3_FORCE_PATH_STYLE": "maybe", "AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SESSION_TOKEN": "t",
                    "S3_MULTIPART_THRESHOLD": "1KiB", "S3_PART_SIZE": "huge", "S3_CONCURRENCY": "0", "S3_MAX_ATTEMPTS": "many",
                ])
            )
        }
        let problems = Dictionary(uniqueKeysWithValues: (error?.problems ?? []).map { ($0.variable, $0.message) })
        #expect(
            Set(problems.keys) == [
                "S3_ENDPOINT", "S3_REGION", "S3_BUCKET", "S3_PREFIX", "S3_FORCE_PATH_STYLE", "AWS_SECRET_ACCESS_KEY",
                "S3_MULTIPART_THRESHOLD", "S3_PART_SIZE", "S3_CONCURRENCY", "S3_MAX_ATTEMPTS",
            ]
        )
        #expect(problems["S3_ENDPOINT"]?.contains("not an http:// or https:// URL") == true)
        #expect(problems["AWS_SECRET_ACCESS_KEY"]?.contains("AWS_ACCESS_KEY_ID is set") == true)
        #expect(problems["S3_MULTIPART_THRESHOLD"]?.contains("between 5MiB and 5GiB") == true)
    }

    @Test("half-given credentials and secrets given twice are problems")
    func credentialProblems() {
        let cases: [([String: String], String)] = [
            (["AWS_SECRET_ACCESS_KEY": "s"], "AWS_ACCESS_KEY_ID"),
            (["AWS_SESSION_TOKEN": "t"], "AWS_SESSION_TOKEN"),
            (["AWS_ACCESS_KEY_ID": "a", "AWS_ACCESS_KEY_ID_FILE": "/x", "AWS_SECRET_ACCESS_KEY": "s"], "AWS_ACCESS_KEY_ID"),
            (["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY_FILE": "/nonexistent/secret"], "AWS_SECRET_ACCESS_KEY_FILE"),
        ]
        for (variables, variable) in cases {
            let error = #expect(throws: ConfigurationError.self) { try S3Settings(environment: Environment(variables)) }
            #expect(error?.problems.map(\.variable).contains(variable) == true, "\(variables)")
        }
    }
}

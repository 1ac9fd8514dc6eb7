import Foundation
package import Settings
import Units

/// The S3 settings from the environment (docs/configuration.md, "Object storage"), checked all at once.
///
/// Every variable is optional: with none set, `s3://` URLs go to AWS in us-east-1, signed with whatever
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` say, or unsigned for public buckets. The deployment guide's bucket
/// names (`S3_BUCKET_NAME`, `AWS_S3_BACKUP_BUCKET`) are honoured after `S3_BUCKET`.
///
/// ```swift
/// let settings = try S3Settings(environment: Environment())
/// let location = try ObjectLocation.parse("s3://backups/db.dump", s3: settings.configuration)
/// ```
package struct S3Settings: Sendable {
    package var configuration: S3Configuration
    /// Whether any S3 variable is set: `nomaly check` reports S3 settings only then.
    package var isConfigured: Bool

    /// Every variable this type reads, secrets by their base name (each also takes `_FILE`).
    package static let variables = [
        "S3_ENDPOINT", "S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION", "S3_BUCKET", "S3_BUCKET_NAME", "AWS_S3_BACKUP_BUCKET", "S3_PREFIX",
        "S3_FORCE_PATH_STYLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "S3_MULTIPART_THRESHOLD",
        "S3_PART_SIZE", "S3_CONCURRENCY", "S3_MAX_ATTEMPTS",
    ]

    /// Reads the settings.
    /// - Throws: ``ConfigurationError`` with one ``ConfigurationProblem`` per invalid variable.
    package init(environment: Environment = Environment()) throws(ConfigurationError) {
        var reader = SettingsReader(environment)
        self.init(reader: &reader)
        if !reader.problems.isEmpty { throw ConfigurationError(problems: reader.problems) }
    }

    /// Reads the settings, each problem into `reader`; an invalid variable leaves its default in place.
    package init(reader: inout SettingsReader) {
        let environment = reader.environment
        var configuration = S3Configuration()
        isConfigured = Self.variables.contains { environment[$0] != nil || environment[$0 + "_FILE"] != nil }

        if let text = environment["S3_ENDPOINT"] {
            if let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host?.isEmpty == false,
                url.query == nil, url.user == nil
            {
                configuration.endpoint = url
            } else {
                reader.report(.init(variable: "S3_ENDPOINT", message: "'\(text)' is not an http:// or https:// URL such as http://minio:9000"))
            }
        }
        if let (variable, region) = Self.first(environment, ["S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"]) {
            if !region.isEmpty, region.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }) {
                configuration.region = region
            } else {
                reader.report(.init(variable: variable, message: "'\(region)' is not a region name such as eu-west-1"))
            }
        }
        if let (variable, bucket) = Self.first(environment, ["S3_BUCKET", "S3_BUCKET_NAME", "AWS_S3_BACKUP_BUCKET"]) {
            if ObjectLocation.isValidBucketName(bucket) {
                configuration.bucket = bucket
            } else {
                reader.report(.init(variable: variable, message: "'\(bucket)' is not a bucket name (3–63 letters, digits, dots, hyphens)"))
            }
        }
        if let prefix = environment["S3_PREFIX"] {
            let trimmed = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            do {
                try validateObjectKey(trimmed)
                configuration.prefix = trimmed + "/"
            } catch {
                reader.report(
                    .init(variable: "S3_PREFIX", message: "'\(prefix)' is not a key prefix such as nomaly/ (relative, no '.' or '..' parts)")
                )
            }
        }
        configuration.forcePathStyle = reader.boolean("S3_FORCE_PATH_STYLE", default: configuration.forcePathStyle)
        Self.readCredentials(&reader, into: &configuration)

        let thresholds = S3Configuration.minimumPartSize...S3Configuration.maximumSinglePutSize
        let parts = S3Configuration.minimumPartSize...S3Configuration.maximumPartSize
        configuration.multipartThreshold = reader.byteSize("S3_MULTIPART_THRESHOLD", default: configuration.multipartThreshold, range: thresholds)
        configuration.partSize = reader.byteSize("S3_PART_SIZE", default: configuration.partSize, range: parts)
        configuration.concurrency = reader.integer("S3_CONCURRENCY", default: configuration.concurrency, range: 1...64)
        configuration.maxAttempts = reader.integer("S3_MAX_ATTEMPTS", default: configuration.maxAttempts, range: 1...20)
        self.configuration = configuration
    }

    private static func readCredentials(_ reader: inout SettingsReader, into configuration: inout S3Configuration) {
        let keyID = reader.secret("AWS_ACCESS_KEY_ID")
        let secretKey = reader.secret("AWS_SECRET_ACCESS_KEY")
        let token = reader.secret("AWS_SESSION_TOKEN")
        switch (keyID, secretKey) {
        case (let keyID?, let secretKey?):
            configuration.accessKeyID = keyID
            configuration.secretAccessKey = secretKey
            configuration.sessionToken = token
        case (nil, nil):
            if token != nil {
                reader.report(.init(variable: "AWS_SESSION_TOKEN", message: "is set without AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
            }
        case (nil, _):
            reader.report(.init(variable: "AWS_ACCESS_KEY_ID", message: "is missing, but AWS_SECRET_ACCESS_KEY is set"))
        case (_, nil):
            reader.report(.init(variable: "AWS_SECRET_ACCESS_KEY", message: "is missing, but AWS_ACCESS_KEY_ID is set"))
        }
    }

    /// The first of `names` that is set, with its value.
    private static func first(_ environment: Environment, _ names: [String]) -> (String, String)? {
        for name in names { if let value = environment[name] { return (name, value.trimmingWhitespace()) } }
        return nil
    }
}

extension S3Configuration {
    /// The S3 settings from the environment: ``S3Settings`` for callers that need only the configuration.
    ///
    /// ```swift
    /// let store = S3Store(configuration: try .fromEnvironment(), bucket: "backups", logger: logger)
    /// ```
    package static func fromEnvironment(_ environment: Environment = Environment()) throws(ConfigurationError) -> S3Configuration {
        try S3Settings(environment: environment).configuration
    }
}

package import Foundation

/// How to reach an S3-compatible service: AWS, MinIO, moto or any other endpoint that speaks SigV4.
///
/// Values only; nothing here touches the network. `Config.S3Settings` reads one from the environment
/// (`S3_ENDPOINT`, `S3_REGION`, `AWS_ACCESS_KEY_ID`, …), and ``S3Store`` uses it.
///
/// ```swift
/// var configuration = S3Configuration(region: "eu-west-1")
/// configuration.endpoint = URL(string: "http://minio.internal:9000")
/// configuration.forcePathStyle = true
/// configuration.accessKeyID = "nomaly"
/// configuration.secretAccessKey = secret
/// let store = S3Store(configuration: configuration, bucket: "artifacts", prefix: "nomaly/", logger: logger)
/// ```
package struct S3Configuration: Sendable {
    /// S3 never takes parts smaller than this, except the last one.
    package static let minimumPartSize: Int64 = 5 << 20
    /// Nor larger than this.
    package static let maximumPartSize: Int64 = 5 << 30
    /// Nor more parts than this.
    package static let maximumPartCount: Int64 = 10_000
    /// A single PUT cannot carry more than this.
    package static let maximumSinglePutSize: Int64 = 5 << 30

    /// The service's base URL (`http://127.0.0.1:9000`, `https://minio.example.com`); nil means AWS, whose
    /// endpoint follows from ``region``.
    package var endpoint: URL?
    /// Part of every signature: a wrong region fails with `AuthorizationHeaderMalformed` on AWS.
    package var region: String
    /// The bucket used when none is given explicitly (`S3_BUCKET`).
    package var bucket: String?
    /// The key prefix used when none is given explicitly (`S3_PREFIX`).
    package var prefix: String
    /// Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key`. Endpoints given as an IP address or
    /// `localhost` always use path style, since a bucket cannot be a subdomain there.
    package var forcePathStyle: Bool
    /// Credentials; requests go unsigned (anonymous, for public buckets) when both are nil.
    package var accessKeyID: String?
    package var secretAccessKey: String?
    /// Temporary credentials (STS, instance roles) come with a session token, sent as `x-amz-security-token`.
    package var sessionToken: String?
    /// Files of at least this size are uploaded in parts (at most 5 GiB, S3's single PUT limit).
    package var multipartThreshold: Int64
    /// The preferred part size; see ``partSize(forObjectOfSize:)`` for the size actually used.
    package var partSize: Int64
    /// How many parts of one upload travel at the same time.
    package var concurrency: Int
    /// Attempts per request, the first included, before a transient failure (5xx, 429, timeout, lost connection) is
    /// reported.
    package var maxAttempts: Int
    /// The first retry waits about this long; each further one twice as long, with jitter, at most 20 s.
    package var retryBaseDelay: Duration
    /// A transfer that moves no byte for this long is abandoned (and retried).
    package var stallTimeout: Duration
    package var connectTimeout: Duration

    package init(
        endpoint: URL? = nil,
        region: String = "us-east-1",
        bucket: String? = nil,
        prefix: String = "",
        forcePathStyle: Bool = false,
        accessKeyID: String? = nil,
        secretAccessKey: String? = nil,
        sessionToken: String? = nil,
        multipartThreshold: Int64 = 64 << 20,
        partSize: Int64 = 16 << 20,
        concurrency: Int = 4,
        maxAttempts: Int = 5
    ) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
        self.forcePathStyle = forcePathStyle
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.concurrency = concurrency
        self.maxAttempts = maxAttempts
        retryBaseDelay = .milliseconds(200)
        stallTimeout = .seconds(60)
        connectTimeout = .seconds(10)
    }

    /// The part size for an object: ``partSize``, raised to 5 MiB, and raised further (to whole MiB) so that the
    /// object needs at most 10,000 parts.
    ///
    /// ```swift
    /// S3Configuration().partSize(forObjectOfSize: 1 << 40)  // 105 MiB: 1 TiB in 9,987 parts
    /// ```
    package func partSize(forObjectOfSize size: Int64) -> Int64 {
        var part = max(partSize, Self.minimumPartSize)
        let needed = (size + Self.maximumPartCount - 1) / Self.maximumPartCount
        if part < needed {
            let mebibyte: Int64 = 1 << 20
            part = (needed + mebibyte - 1) / mebibyte * mebibyte
        }
        return part
    }

    /// Whether an object of `size` bytes goes up in parts.
    package func usesMultipart(forObjectOfSize size: Int64) -> Bool {
        size > 0 && size >= min(multipartThreshold, Self.maximumSinglePutSize)
    }

    /// `https://s3.REGION.amazonaws.com` (`.com.cn` in China), or ``endpoint``.
    var baseURL: URL {
        if let endpoint { return endpoint }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return URL(string: "https://s3.\(region).\(suffix)")!
    }

    /// The provider string for `CURLOPT_AWS_SIGV4`. Always complete: with less, curl 7.88 guesses region and
    /// service from the host name (`127` and `0` for `127.0.0.1`).
    var signingProvider: String { "aws:amz:\(region):s3" }

    /// Human-readable, without credentials: for `nomaly check` and logs. Says whether requests are signed, never with
    /// what: the access key id is half of a credential and names the account, so it is redacted like the secret.
    package var summary: String {
        var parts = [endpoint?.absoluteString ?? "AWS", "region \(region)"]
        if let bucket { parts.append("bucket \(bucket)") }
        if !prefix.isEmpty { parts.append("prefix \(prefix)") }
        if forcePathStyle { parts.append("path-style") }
        switch (accessKeyID, sessionToken) {
        case (nil, _): parts.append("anonymous")
        case (.some, nil): parts.append("signed with an access key (redacted)")
        case (.some, .some): parts.append("signed with temporary credentials (redacted)")
        }
        return parts.joined(separator: ", ")
    }
}

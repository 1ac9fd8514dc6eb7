import Foundation
package import Logging

/// Objects in an S3 bucket below a key prefix, over libcurl and its built-in SigV4 signing.
///
/// Works with AWS and any S3-compatible service (MinIO, Ceph, moto). Uploads record the content's sha256 as
/// `x-amz-meta-sha256`, and downloads check it before the file appears; files of at least
/// ``S3Configuration/multipartThreshold`` go up in parts, several at a time, and a failed multipart upload is aborted so
/// that no orphaned parts are billed. Transient failures (5xx, 429, timeouts, lost connections) are retried with
/// exponential backoff and jitter. Every curl call runs on the transfer threads (``S3TransferThreads``; a streamed
/// download's on a thread of its own), never on Swift's cooperative pool.
///
/// Keys are relative to `prefix`: with prefix `nomaly/`, key `models/a.tar.gz` is the object `nomaly/models/a.tar.gz`.
///
/// ```swift
/// let store = S3Store(configuration: configuration, bucket: "backups", prefix: "nomaly/", logger: logger)
/// try await store.put(file: "/var/backups/database.dump", key: "20261129/database.dump", progress: nil)
/// let copy = try await store.get(key: "20261129/database.dump", to: "/tmp/database.dump", progress: nil)
/// ```
package struct S3Store: ObjectStore {
    package let configuration: S3Configuration
    package let bucket: String
    /// Empty, or ending in `/`.
    package let prefix: String
    let logger: Logger
    let transferThreads: S3TransferThreads
    let handles: CurlHandlePool
    let bucketCheck: BucketCheck

    /// - Parameters:
    ///   - bucket: the bucket; not checked until the first request.
    ///   - prefix: where the store's keys start; `nomaly` and `nomaly/` both mean the folder `nomaly/`.
    ///   - transferThreads: run the blocking curl calls; the process's own by default, whose lifetime is not the
    ///     store's: building a store starts nothing.
    package init(
        configuration: S3Configuration,
        bucket: String,
        prefix: String = "",
        logger: Logger,
        transferThreads: S3TransferThreads = .shared
    ) {
        self.configuration = configuration
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.logger = logger
        self.transferThreads = transferThreads
        handles = CurlHandlePool(capacity: max(configuration.concurrency, 1) + 2)
        bucketCheck = BucketCheck()
    }

    package var locationDescription: String { "s3://\(bucket)/\(prefix)" }

    /// The object key S3 sees for a store key.
    func objectKey(_ key: String) throws(ObjectStoreError) -> String {
        try validateObjectKey(key)
        return prefix + key
    }

    package func head(key: String) async throws -> ObjectInfo? {
        try await headHeaders(key: key).map { Self.info(key: key, headers: $0) }
    }

    /// The headers of a HEAD on `key` (metadata included), or nil when there is no object.
    func headHeaders(key: String) async throws -> [String: String]? {
        let request = S3Request(operation: "HeadObject", method: "HEAD", bucket: bucket, key: try objectKey(key))
        do {
            return try await send(request).headers
        } catch let error as ObjectStoreError where error.code == .notFound {
            // A HEAD answer has no body, so a missing bucket looks like a missing key: ask once.
            try await checkBucketExists()
            return nil
        }
    }

    package func delete(key: String) async throws {
        let request = S3Request(operation: "DeleteObject", method: "DELETE", bucket: bucket, key: try objectKey(key))
        do {
            try await send(request)
        } catch let error as ObjectStoreError where error.code == .notFound {
            return
        }
    }

    package func list(prefix listPrefix: String) async throws -> [ObjectInfo] {
        var objects: [ObjectInfo] = []
        var token: String?
        repeat {
            var request = S3Request(operation: "ListObjectsV2", method: "GET", bucket: bucket, key: nil)
            request.query = [("list-type", "2"), ("prefix", prefix + listPrefix), ("encoding-type", "url")]
            if let token { request.query.append(("continuation-token", token)) }
            let page = try await send(request)
            guard let result = page.xml, result.name == "ListBucketResult" else {
                throw ObjectStoreError(code: .server, message: "ListObjectsV2 s3://\(bucket)/\(prefix + listPrefix) answered no listing")
            }
            let encoded = result["EncodingType"] == "url"
            let dates = ISO8601DateFormatter()
            dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            for entry in result.children("Contents") {
                guard var key = entry["Key"] else { continue }
                // `encoding-type=url` keeps keys with characters XML cannot carry intact; AWS writes a space as `+`.
                if encoded { key = key.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? key }
                guard key.hasPrefix(prefix) else { continue }
                objects.append(
                    ObjectInfo(
                        key: String(key.dropFirst(prefix.count)),
                        size: entry["Size"].flatMap { Int64($0) } ?? 0,
                        lastModified: entry["LastModified"].flatMap { dates.date(from: $0) },
                        etag: entry["ETag"].map(Self.unquote)
                    )
                )
            }
            token = result["IsTruncated"] == "true" ? result["NextContinuationToken"] : nil
        } while token != nil
        return objects.sorted { $0.key < $1.key }
    }

    /// HEAD on the bucket; remembers a success, so that later misses cost one request.
    /// - Throws: ``ObjectStoreError`` `.noSuchBucket`.
    func checkBucketExists() async throws {
        guard !bucketCheck.exists else { return }
        try await send(S3Request(operation: "HeadBucket", method: "HEAD", bucket: bucket, key: nil))
        bucketCheck.exists = true
    }

    /// Metadata from the headers of a GET or HEAD answer.
    static func info(key: String, headers: [String: String]) -> ObjectInfo {
        ObjectInfo(
            key: key,
            size: headers["content-length"].flatMap { Int64($0) } ?? 0,
            lastModified: headers["last-modified"].flatMap(httpDate),
            etag: headers["etag"].map(unquote),
            sha256: headers["x-amz-meta-sha256"]?.lowercased()
        )
    }

    static func unquote(_ etag: String) -> String { etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

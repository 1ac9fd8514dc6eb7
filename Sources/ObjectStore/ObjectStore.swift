import FileSystem
package import Foundation

/// What a store knows about one object.
package struct ObjectInfo: Sendable, Codable, Equatable {
    /// The key within its store (`artifacts/ab/abcd….tar.gz`), never with a leading slash.
    package var key: String
    package var size: Int64
    package var lastModified: Date?
    /// S3's ETag (quotes removed); nil for local files.
    package var etag: String?
    /// Hex sha256 of the content when the store knows it (recorded at upload as `x-amz-meta-sha256` on S3).
    package var sha256: String?

    package init(key: String, size: Int64, lastModified: Date? = nil, etag: String? = nil, sha256: String? = nil) {
        self.key = key
        self.size = size
        self.lastModified = lastModified
        self.etag = etag
        self.sha256 = sha256
    }
}

/// Called as a transfer advances with the bytes done so far and the total when known.
/// It may be called from any thread, often; keep it cheap.
package typealias TransferProgressHandler = @Sendable (_ bytesDone: Int64, _ totalBytes: Int64?) -> Void

/// A place that keeps objects by key: a local folder (``FileStore``) or an S3 bucket and prefix (``S3Store``).
///
/// Every method is atomic from a reader's point of view: an object is either absent, the old one, or the
/// whole new one, never partial; a failed download leaves no file at the destination.
///
/// ```swift
/// let location = try ObjectLocation.parse("s3://backups/nomaly/20261129_020000/database.dump", s3: .fromEnvironment())
/// try await location.store.put(file: "/var/backups/database.dump", key: location.key, progress: nil)
/// ```
package protocol ObjectStore: Sendable {
    /// Where the store is, as a URL an operator recognises (`s3://bucket/prefix`, `/var/lib/nomaly/artifacts`).
    var locationDescription: String { get }

    /// Stores the local file at `key`, replacing any object there.
    @discardableResult
    func put(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo

    /// Stores the local file at `key` only if no object is there, for writers that must never replace what
    /// someone else stored (a scoring run pointed at an existing object).
    /// - Throws: ``ObjectStoreError`` `.alreadyExists` when an object is at `key`, even one that appeared while the
    ///   file was being uploaded, where the store can tell (see each store).
    @discardableResult
    func putIfAbsent(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo

    /// Copies the object at `key` to the local `path` (written beside it and renamed into place), verifying
    /// its sha256 when the store knows it.
    /// - Throws: ``ObjectStoreError`` `.notFound` when there is no such object.
    @discardableResult
    func get(key: String, to path: String, progress: TransferProgressHandler?) async throws -> ObjectInfo

    /// The object's metadata, or nil when it does not exist.
    func head(key: String) async throws -> ObjectInfo?

    /// Every object whose key starts with `prefix`, sorted by key.
    func list(prefix: String) async throws -> [ObjectInfo]

    /// Removes the object; removing an absent object is not an error.
    func delete(key: String) async throws
}

/// A failed storage operation, with the store's own code and message where it sent them.
package struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }
        package static let notFound = Code(name: "not_found")
        package static let noSuchBucket = Code(name: "no_such_bucket")
        package static let accessDenied = Code(name: "access_denied")
        /// Content did not match its checksum.
        package static let integrity = Code(name: "integrity")
        /// A URL or key that cannot address anything (`s3://` without a bucket, a key with `..`).
        package static let invalidLocation = Code(name: "invalid_location")
        /// The network or the server failed, after retries.
        package static let transport = Code(name: "transport")
        /// The server refused the request for another reason.
        package static let server = Code(name: "server")
        /// Local file system trouble.
        package static let io = Code(name: "io")
        /// Missing or invalid S3 settings.
        package static let configuration = Code(name: "configuration")
        /// An object is already at the key, and the write must not replace it.
        package static let alreadyExists = Code(name: "already_exists")
        /// The object is larger than the reader accepts.
        package static let tooLarge = Code(name: "too_large")
        /// The transfer threads were stopped (the process is stopping); not retried.
        package static let shutDown = Code(name: "shut_down")
    }

    package var code: Code
    package var message: String
    /// S3's error code (`NoSuchKey`, `SignatureDoesNotMatch`, …) when the server sent one.
    package var s3Code: String?
    /// The HTTP status, for S3 errors.
    package var httpStatus: Int?

    package init(code: Code, message: String, s3Code: String? = nil, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.s3Code = s3Code
        self.httpStatus = httpStatus
    }

    package var description: String {
        var text = message
        if let s3Code { text += " (\(s3Code)" + (httpStatus.map { ", HTTP \($0)" } ?? "") + ")" }
        return text
    }
}

extension ObjectStore {
    /// A store without a conditional write of its own looks first and then writes: an object written by someone else
    /// between the two is replaced. ``FileStore`` and ``S3Store`` close that gap.
    @discardableResult
    package func putIfAbsent(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        if try await head(key: key) != nil {
            let base = locationDescription
            throw ObjectStoreError.exists((base.hasSuffix("/") ? base : base + "/") + key)
        }
        return try await put(file: path, key: key, progress: progress)
    }
}

extension ObjectStoreError {
    /// The error of a write that would have replaced the object at `location` (a path or an `s3://` URL).
    static func exists(_ location: String) -> ObjectStoreError {
        ObjectStoreError(code: .alreadyExists, message: "\(location) already exists and is not replaced")
    }

    /// A local file operation that failed, with the system's reason; `errno` is read now.
    static func posix(_ context: String) -> ObjectStoreError {
        ObjectStoreError(FileSystemError(context))
    }

    init(_ error: FileSystemError) {
        self.init(code: .io, message: error.description)
    }
}

/// Checks a key: relative, no empty, `.` or `..` components, no NUL. Both stores use the same rules, so a key
/// valid in one is valid in the other.
package func validateObjectKey(_ key: String) throws(ObjectStoreError) {
    let components = key.split(separator: "/", omittingEmptySubsequences: false)
    guard !key.isEmpty, !key.hasPrefix("/"), !key.contains("\0"),
        components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
    else {
        throw ObjectStoreError(code: .invalidLocation, message: "'\(key)' is not a valid object key (relative, no empty, '.' or '..' parts)")
    }
}

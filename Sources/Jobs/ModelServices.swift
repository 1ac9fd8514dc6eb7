import Datasets
import Foundation
package import ObjectStore
package import Postgres
package import Registry

/// What the train and score kinds (and `nomaly models`) work with: the registry, the detector cache, where
/// specs live, and how to reach `s3://` inputs and outputs.
package struct ModelServices: Sendable {
    package let pool: PostgresPool
    package let registry: ModelRegistry
    package let cache: DetectorCache
    package let specsDirectory: String
    package let s3: S3Configuration?
    package let threads: Int
    package let nomalyVersion: String
    /// Where scoring runs may read and write (`NOMALY_SCORING_S3_PREFIXES`, the protected locations, the scoring
    /// folder), as the composition root finished it: the registry's own artifact store is among the protected locations.
    package let scoringLocations: ScoringLocations
    /// `NOMALY_SCORING_MAX_INPUT`: the most bytes of CSV a scoring run reads, counted after decompression, and the
    /// largest object it downloads.
    package let maxInputBytes: Int64
    /// Tests only: runs after a score run checked its locations and before it opens them, to change the files in
    /// between as someone with access to the folders could.
    package var afterLocationsChecked: (@Sendable () async throws -> Void)?

    /// - Parameters:
    ///   - scoringLocations: the finished rule, taken as it is (`App.Runtime.scoringLocations` protects the artifact
    ///     store and the backups). Required, so that no caller can forget the protection by leaving it out.
    package init(
        pool: PostgresPool,
        registry: ModelRegistry,
        cache: DetectorCache,
        specsDirectory: String,
        s3: S3Configuration?,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        nomalyVersion: String,
        scoringLocations: ScoringLocations,
        maxInputBytes: Int64 = 10 << 30
    ) {
        self.pool = pool
        self.registry = registry
        self.cache = cache
        self.specsDirectory = specsDirectory
        self.s3 = s3
        self.threads = threads
        self.nomalyVersion = nomalyVersion
        self.scoringLocations = scoringLocations
        self.maxInputBytes = maxInputBytes
    }

    /// A private scratch folder for one operation; the caller removes it.
    static func scratchFolder() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/nomaly-job-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw JobFailureError("cannot create a temporary folder: \(String(cString: strerror(errno)))") }
        return String(cString: created)
    }

    /// A local copy of `location`: the path itself, or an `s3://` object downloaded into `folder`.
    func localCopy(of location: String, in folder: String) async throws -> String {
        guard location.hasPrefix("s3://") else { return location }
        let object = try ObjectLocation.parse(location, s3: s3)
        let path = folder + "/input-" + URL(fileURLWithPath: object.key).lastPathComponent
        try await object.store.get(key: object.key, to: path, progress: nil)
        return path
    }
}

extension ModelServices {
    /// Whether `location` is an `s3://` URL with an object there; false for local paths.
    func objectExists(_ location: String) async throws -> Bool {
        guard ScoringLocations.isS3(location) else { return false }
        let object = try ObjectLocation.parse(location, s3: s3)
        return try await object.store.head(key: object.key) != nil
    }

    /// An `s3://` output opened for writing as scores are produced (``ObjectStore/ObjectWriteStream``).
    /// - Parameter replacing: false refuses an object that is there now, or appears before the upload completes.
    /// - Throws: ``JobFailureError`` for an existing object that may not be replaced; the store's error otherwise.
    func openOutput(_ location: String, replacing: Bool) async throws -> ObjectWriteStream {
        let object = try ObjectLocation.parse(location, s3: s3)
        guard let store = object.store as? S3Store else { throw JobFailureError("\(location) is not an s3:// object") }
        do {
            return try await store.openUpload(key: object.key, replacing: replacing)
        } catch let error as ObjectStoreError where error.code == .alreadyExists {
            throw JobFailureError("\(error.message) without overwrite: true")
        }
    }

    /// An `s3://` input opened for reading as it downloads, at most ``maxInputBytes`` of it.
    /// - Throws: ``JobFailureError`` naming `NOMALY_SCORING_MAX_INPUT` for an object that is too large; the store's
    ///   error otherwise.
    func openInput(_ location: String) async throws -> DownloadedInput {
        let object = try ObjectLocation.parse(location, s3: s3)
        guard let store = object.store as? S3Store else { throw JobFailureError("\(location) is not an s3:// object") }
        do {
            return DownloadedInput(stream: try await store.openStream(key: object.key, maxBytes: maxInputBytes), limit: maxInputBytes)
        } catch let error as ObjectStoreError where error.code == .tooLarge {
            throw DownloadedInput.tooLarge(location, limit: maxInputBytes)
        }
    }
}

/// An object being downloaded, as the CSV reader takes its bytes; an object that turns out larger than the limit
/// stops the run with a message naming the setting.
final class DownloadedInput: ByteSource {
    let stream: ObjectReadStream
    let limit: Int64

    init(stream: ObjectReadStream, limit: Int64) {
        self.stream = stream
        self.limit = limit
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            return try stream.read(into: buffer)
        } catch let error as ObjectStoreError where error.code == .tooLarge {
            throw Self.tooLarge(stream.location, limit: limit)
        }
    }

    /// Stops the download: call it once scoring is over, whatever happened.
    func close() { stream.close() }

    static func tooLarge(_ location: String, limit: Int64) -> JobFailureError {
        JobFailureError("input \(location) is larger than NOMALY_SCORING_MAX_INPUT allows (\(limit) bytes); raise the setting or split the input")
    }
}

/// A failure phrased for the run's error column.
struct JobFailureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

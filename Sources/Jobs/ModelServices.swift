public import Foundation
public import ObjectStore
public import Postgres
public import Registry

/// What the train and score kinds (and `nomaly models`) work with: the registry, the detector cache, where
/// specs live, and how to reach `s3://` inputs and outputs.
public struct ModelServices: Sendable {
    public let pool: PostgresPool
    public let registry: ModelRegistry
    public let cache: DetectorCache
    public let specsDirectory: String
    public let s3: S3Configuration?
    public let threads: Int
    public let nomalyVersion: String

    public init(
        pool: PostgresPool,
        registry: ModelRegistry,
        cache: DetectorCache,
        specsDirectory: String,
        s3: S3Configuration?,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        nomalyVersion: String
    ) {
        self.pool = pool
        self.registry = registry
        self.cache = cache
        self.specsDirectory = specsDirectory
        self.s3 = s3
        self.threads = threads
        self.nomalyVersion = nomalyVersion
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

/// A failure phrased for the run's error column.
struct JobFailureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

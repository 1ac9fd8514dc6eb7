public import Foundation
public import JSONValues

/// One immutable, numbered version of a model: what was trained, how well, on what, and where its artifact is.
///
/// Property names decode from the `model_versions` columns; the type is Codable so that the CLI prints it
/// with `--json` as is.
///
/// ```swift
/// let version = try await registry.resolve(.alias(model: "fraud", alias: "production"))
/// print(version.version, version.artifactUri, version.aliases)
/// ```
public struct ModelVersion: Codable, Sendable, Equatable {
    public var model: String
    public var version: Int
    /// The detector (`isolation-forest`, `ecod`), from the manifest.
    public var algorithm: String
    /// The detector's settings as used for training (snake_case keys).
    public var params: JSONValue
    /// The artifact's `metrics.json`.
    public var metrics: JSONValue
    /// The feature columns in the detector's order, with their training statistics.
    public var featureSchema: JSONValue
    public var artifactSha256: String
    /// Where the artifact is stored (`s3://bucket/models/sha256/ab/….tar.gz` or a local path).
    public var artifactUri: String
    public var artifactSize: Int64
    /// The `job_runs` row that trained it, when a job did.
    public var trainingRunId: Int64?
    /// sha256 of the training input, when it was a file.
    public var datasetFingerprint: String?
    /// The hash of the model specification (`registry/NAME.yaml`) it was trained from.
    public var specHash: String?
    public var nomalyVersion: String
    public var description: String
    public var createdBy: String?
    public var createdAt: Date
    /// The aliases that point at this version now, sorted.
    public var aliases: [String]

    /// `fraud:3`, the way operators reference it.
    public var reference: ModelReference { .version(model: model, version: version) }
}

/// Where a version came from, beyond what its artifact's manifest says.
///
/// ```swift
/// let lineage = VersionLineage(trainingRunID: run.id, specHash: spec.hash, createdBy: "scheduler")
/// try await registry.register(model: "fraud", artifact: "model.tar.gz", actor: "scheduler", lineage: lineage)
/// ```
public struct VersionLineage: Sendable, Equatable {
    /// The `job_runs` row of the training run; it must exist.
    public var trainingRunID: Int64?
    public var specHash: String?
    /// Who the version is attributed to; the registering actor when nil.
    public var createdBy: String?
    /// Overrides the manifest's training input sha256, for example with a fingerprint of a SQL source.
    public var datasetFingerprint: String?

    public init(trainingRunID: Int64? = nil, specHash: String? = nil, createdBy: String? = nil, datasetFingerprint: String? = nil) {
        self.trainingRunID = trainingRunID
        self.specHash = specHash
        self.createdBy = createdBy
        self.datasetFingerprint = datasetFingerprint
    }
}

/// One page of a model's live versions, newest first.
///
/// ```swift
/// var page = try await registry.versions(model: "fraud", limit: 50)
/// while let cursor = page.nextCursor { page = try await registry.versions(model: "fraud", limit: 50, before: cursor) }
/// ```
public struct VersionPage: Codable, Sendable, Equatable {
    public var versions: [ModelVersion]
    /// Pass as `before:` to get the next page; nil on the last page.
    public var nextCursor: Int?

    public init(versions: [ModelVersion], nextCursor: Int?) {
        self.versions = versions
        self.nextCursor = nextCursor
    }
}

/// A model as `nomaly models list` shows it.
///
/// ```swift
/// for model in try await registry.models() { print(model.name, model.latestVersion ?? 0, model.aliases) }
/// ```
public struct ModelSummary: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    public var tags: [String: String]
    /// Live (not deleted) versions.
    public var versionCount: Int
    /// The newest live version, nil when there is none.
    public var latestVersion: Int?
    /// Each alias and the version it points at.
    public var aliases: [String: Int]
    public var createdAt: Date
    public var updatedAt: Date
}

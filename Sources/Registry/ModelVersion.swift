package import Foundation
package import JSONValues

/// One immutable, numbered version of a model: what was trained, how well, on what, and where its artifact is.
///
/// Property names decode from the `model_versions` columns; the type is Codable so that the CLI prints it
/// with `--json` as is.
///
/// ```swift
/// let version = try await registry.resolve(.alias(model: "fraud", alias: "production"))
/// print(version.version, version.artifactUri, version.aliases)
/// ```
package struct ModelVersion: Codable, Sendable, Equatable {
    package var model: String
    package var version: Int
    /// The detector (`isolation-forest`, `ecod`), from the manifest.
    package var algorithm: String
    /// The detector's settings as used for training (snake_case keys).
    package var params: JSONValue
    /// The artifact's `metrics.json`.
    package var metrics: JSONValue
    /// The feature columns in the detector's order, with their training statistics.
    package var featureSchema: JSONValue
    package var artifactSha256: String
    /// Where the artifact is stored (`s3://bucket/models/sha256/ab/….tar.gz` or a local path).
    package var artifactUri: String
    package var artifactSize: Int64
    /// The `job_runs` row that trained it, when a job did.
    package var trainingRunId: Int64?
    /// sha256 of the training input, when it was a file.
    package var datasetFingerprint: String?
    /// The hash of the model specification (`registry/NAME.yaml`) it was trained from.
    package var specHash: String?
    package var nomalyVersion: String
    package var description: String
    package var createdBy: String?
    package var createdAt: Date
    /// The aliases that point at this version now, sorted.
    package var aliases: [String]

    /// `fraud:3`, the way operators reference it.
    package var reference: ModelReference { .version(model: model, version: version) }
}

/// Where a version came from, beyond what its artifact's manifest says.
///
/// ```swift
/// let lineage = VersionLineage(trainingRunID: run.id, specHash: spec.hash, createdBy: "scheduler")
/// try await registry.register(model: "fraud", artifact: "model.tar.gz", actor: "scheduler", lineage: lineage)
/// ```
package struct VersionLineage: Sendable, Equatable {
    /// The `job_runs` row of the training run; it must exist.
    package var trainingRunID: Int64?
    package var specHash: String?
    /// Who the version is attributed to; the registering actor when nil.
    package var createdBy: String?
    /// Overrides the manifest's training input sha256, for example with a fingerprint of a SQL source.
    package var datasetFingerprint: String?

    package init(trainingRunID: Int64? = nil, specHash: String? = nil, createdBy: String? = nil, datasetFingerprint: String? = nil) {
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
package struct VersionPage: Codable, Sendable, Equatable {
    package var versions: [ModelVersion]
    /// Pass as `before:` to get the next page; nil on the last page.
    package var nextCursor: Int?

    package init(versions: [ModelVersion], nextCursor: Int?) {
        self.versions = versions
        self.nextCursor = nextCursor
    }
}

/// A model as `nomaly models list` shows it.
///
/// ```swift
/// for model in try await registry.models() { print(model.name, model.latestVersion ?? 0, model.aliases) }
/// ```
package struct ModelSummary: Codable, Sendable, Equatable {
    package var name: String
    package var description: String
    package var tags: [String: String]
    /// Live (not deleted) versions.
    package var versionCount: Int
    /// The newest live version, nil when there is none.
    package var latestVersion: Int?
    /// Each alias and the version it points at.
    package var aliases: [String: Int]
    package var createdAt: Date
    package var updatedAt: Date
}

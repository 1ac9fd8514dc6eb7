package import Archive
import Audit
import Foundation
import JSONValues
package import Logging
package import Postgres

/// The versioned model registry: models, their immutable numbered versions, aliases that are promoted and rolled
/// back atomically, the audit trail, and garbage collection of artifacts.
///
/// Postgres holds every row and makes the decisions (version numbers come from `models.next_version`, alias changes
/// lock the model's row); the artifacts live content-addressed in an ``ArtifactStore``. An artifact is always
/// written and verified before the row that references it commits, so a version row never points at nothing.
///
/// ```swift
/// let registry = ModelRegistry(pool: pool, artifacts: ArtifactStore(store: FileStore(root: "/var/lib/nomaly"), prefix: "models/"),
///                              logger: logger)
/// let version = try await registry.register(model: "fraud", artifact: "model.tar.gz", actor: "ana")
/// try await registry.promote(model: "fraud", version: version.version, alias: "production", actor: "ana")
/// let production = try await registry.resolve(try ModelReference.parse("fraud@production"))
/// ```
package struct ModelRegistry: Sendable {
    package let pool: PostgresPool
    package let artifacts: ArtifactStore
    /// The bounds artifacts are extracted within when they are validated.
    package let limits: ArchiveLimits
    let logger: Logger

    package init(pool: PostgresPool, artifacts: ArtifactStore, limits: ArchiveLimits = .default, logger: Logger) {
        self.pool = pool
        self.artifacts = artifacts
        self.limits = limits
        self.logger = logger
    }

    /// Registrations hold it shared and garbage collection exclusively, from checking that an artifact is stored to
    /// the end of their transactions: a collection can then never delete an object that a registration is
    /// committing a row for (see ``collectGarbage(dryRun:gracePeriod:actor:)``).
    static let artifactLock = AdvisoryLockKey(name: "registry.artifacts")

    /// The columns of a ``ModelVersion``, for `FROM model_versions v JOIN models m ON m.id = v.model_id`.
    static let versionColumns = """
        m.name AS model, v.version, v.algorithm, v.params, v.metrics, v.feature_schema, v.artifact_sha256, v.artifact_uri,
        v.artifact_size, v.training_run_id, v.dataset_fingerprint, v.spec_hash, v.nomaly_version, v.description, v.created_by,
        v.created_at,
        COALESCE((SELECT jsonb_agg(a.alias ORDER BY a.alias) FROM model_aliases a
                  WHERE a.model_id = v.model_id AND a.version_id = v.id), '[]') AS aliases
        """

    // MARK: Shared steps

    /// The model's id, or `.notFound`.
    func modelID(_ name: String, on connection: PostgresConnection) async throws -> Int64 {
        try RegistryNames.validateModel(name)
        guard let id = try await connection.query("SELECT id FROM models WHERE name = $1", [name]).first?.decode(Int64.self) else {
            throw Self.noSuchModel(name)
        }
        return id
    }

    /// Locks the model's row until the transaction ends, which serialises every alias change and deletion of its
    /// versions, and marks the model as updated.
    func lockModel(_ name: String, on connection: PostgresConnection) async throws -> Int64 {
        try RegistryNames.validateModel(name)
        let locked = try await connection.query("UPDATE models SET updated_at = now() WHERE name = $1 RETURNING id", [name])
        guard let id = try locked.first?.decode(Int64.self) else { throw Self.noSuchModel(name) }
        return id
    }

    struct VersionRow: Decodable {
        let id: Int64
        let deleted: Bool
    }

    /// The row id of a live version.
    /// - Throws: ``RegistryError`` `.notFound` for a version that never existed or was deleted.
    func liveVersionID(model: String, modelID: Int64, version: Int, on connection: PostgresConnection) async throws -> Int64 {
        try RegistryNames.validateVersion(version, model: model)
        let row = try await connection.query(
            "SELECT id, deleted_at IS NOT NULL AS deleted FROM model_versions WHERE model_id = $1 AND version = $2",
            [modelID, version]
        ).first?.decode(VersionRow.self)
        guard let row else { throw RegistryError(.notFound, "\(model) has no version \(version)") }
        guard !row.deleted else { throw RegistryError(.notFound, "\(model):\(version) was deleted") }
        return row.id
    }

    /// One version with its aliases, deleted or not.
    func fetchVersion(modelID: Int64, version: Int, on connection: PostgresConnection) async throws -> (ModelVersion, deleted: Bool)? {
        let row = try await connection.query(
            """
            SELECT \(Self.versionColumns), v.deleted_at IS NOT NULL AS is_deleted
            FROM model_versions v JOIN models m ON m.id = v.model_id
            WHERE v.model_id = $1 AND v.version = $2
            """,
            [modelID, version]
        ).first
        guard let row else { return nil }
        return (try row.decode(ModelVersion.self), try row.decode(Bool.self, column: "is_deleted"))
    }

    /// Appends to the audit log in the caller's transaction, so that the entry exists exactly when the change does.
    /// The caller's address comes from ``Audit/AuditOrigin/remoteAddress`` (set by the API for the whole request).
    func audit(_ action: String, target: String, actor: String, details: [String: JSONValue], on connection: PostgresConnection) async throws {
        try await AuditLog.record(
            AuditEvent(actor: actor, action: action, target: target, details: JSONValue.object(details)),
            on: connection
        )
    }

    static func noSuchModel(_ name: String) -> RegistryError {
        RegistryError(.notFound, "there is no model \(name)")
    }
}

extension Optional where Wrapped == Int {
    /// For audit details: the version or JSON null.
    var json: JSONValue { map { .integer(Int64($0)) } ?? .null }
}

extension Optional where Wrapped == String {
    var json: JSONValue { map { .string($0) } ?? .null }
}

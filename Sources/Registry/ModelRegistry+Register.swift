import Archive
import FileSystem
import Foundation
import JSONValues
import Logging
import Modeling
import Postgres

extension ModelRegistry {
    /// Adds a new version of `model` (creating the model on first use) from a model tarball.
    ///
    /// In order: the tarball is validated as ``ModelArtifact/load(_:limits:)`` does (safe extraction, manifest, model
    /// file checksum); its artifact is stored and verified; then one transaction allocates the next version number
    /// from `models.next_version` (the model row's lock serialises concurrent registrations, so numbers have no gaps),
    /// inserts the version and an audit entry. A refused artifact stores nothing; a failed upload writes no row; a
    /// transaction that fails after the upload leaves the object for ``collectGarbage(dryRun:gracePeriod:actor:)``.
    ///
    /// ```swift
    /// let version = try await registry.register(model: "fraud", artifact: "out/model.tar.gz", description: "weekly retrain",
    ///                                           actor: "scheduler", lineage: .init(trainingRunID: run.id))
    /// print("registered \(version.reference)")   // fraud:7
    /// ```
    /// - Parameters:
    ///   - description: the version's description.
    ///   - modelDescription: the model's own description (what `models list` shows), set with this version; nil leaves
    ///     it as it is. A model spec (`registry/NAME.yaml`) passes its `description`, which describes the model.
    ///   - actor: who registers it, for the audit log.
    /// - Throws: ``RegistryError`` `.invalidName`, `.invalidArtifact` (not a valid, safe model tarball), `.storage`, or
    ///   `.notFound` for a lineage training run that does not exist.
    package func register(
        model: String,
        artifact path: String,
        description: String = "",
        modelDescription: String? = nil,
        actor: String,
        lineage: VersionLineage = .init()
    ) async throws -> ModelVersion {
        try RegistryNames.validateModel(model)
        try RegistryNames.validateActor(actor)
        let artifact = try await validatedArtifact(path)
        // Read while the artifact was unpacked for validation: no second extraction.
        let metrics = try artifact.metricsJSON.map { try JSONValue(json: $0) } ?? .object([:])
        let digest = try await FileDigest.of(file: path)
        guard digest.sha256 == artifact.sha256 else {
            throw RegistryError(
                .invalidArtifact,
                "\(path) changed while it was being read, or carries data after the end of its archive (sha256 \(digest.sha256) "
                    + "of the file, \(artifact.sha256) of the archive)"
            )
        }
        let row = try NewVersion(artifact: artifact, metrics: metrics, digest: digest, uri: artifacts.uri(sha256: digest.sha256))

        // A garbage collection may delete an object that already existed (its versions all deleted) between our upload
        // check and our commit; the check is repeated under the artifact lock, and a vanished object is uploaded again.
        for attempt in 1...3 {
            try await artifacts.store(file: path, sha256: digest.sha256, size: digest.size)
            let inserted = try await pool.withTransaction { connection -> ModelVersion? in
                try await connection.execute("SELECT pg_advisory_xact_lock_shared($1)", [Self.artifactLock.value])
                guard try await artifacts.exists(sha256: digest.sha256, size: digest.size) else { return nil }
                return try await insert(
                    row,
                    model: model,
                    description: description,
                    modelDescription: modelDescription,
                    actor: actor,
                    lineage: lineage,
                    on: connection
                )
            }
            if let inserted {
                logger.info(
                    "registered a model version",
                    metadata: ["model": "\(model)", "version": "\(inserted.version)", "sha256": "\(digest.sha256)", "actor": "\(actor)"]
                )
                return inserted
            }
            logger.warning("artifact vanished before registration committed; storing it again", metadata: ["attempt": "\(attempt)"])
        }
        throw RegistryError(.storage, "\(artifacts.uri(sha256: digest.sha256)) keeps disappearing while \(model) is being registered")
    }

    /// What goes into a `model_versions` row from the artifact.
    struct NewVersion {
        var algorithm: String
        var params: PostgresJSON
        var metrics: PostgresJSON
        var featureSchema: PostgresJSON
        var sha256: String
        var size: Int64
        var uri: String
        var datasetFingerprint: String?
        var nomalyVersion: String

        init(artifact: ModelArtifact, metrics: JSONValue, digest: FileDigest, uri: String) throws {
            let manifest = artifact.manifest
            algorithm = manifest.detector
            params = try PostgresJSON(JSONValue(encoding: manifest.parameters))
            self.metrics = try PostgresJSON(metrics)
            featureSchema = try PostgresJSON(JSONValue(encoding: manifest.features))
            sha256 = digest.sha256
            size = digest.size
            self.uri = uri
            datasetFingerprint = manifest.training.sourceSha256
            nomalyVersion = manifest.nomalyVersion
        }
    }

    private func insert(
        _ row: NewVersion,
        model: String,
        description: String,
        modelDescription: String?,
        actor: String,
        lineage: VersionLineage,
        on connection: PostgresConnection
    ) async throws -> ModelVersion {
        // One statement creates the model on first use or takes its row lock and the next number: concurrent
        // registrations queue on the row, and a rolled-back transaction gives its number back.
        struct Allocation: Decodable {
            let id: Int64
            let version: Int
        }
        let allocation = try await connection.query(
            """
            INSERT INTO models (name, next_version, description) VALUES ($1, 2, coalesce($2, ''))
            ON CONFLICT (name) DO UPDATE SET next_version = models.next_version + 1,
                description = coalesce($2, models.description), updated_at = now()
            RETURNING id, next_version - 1 AS version
            """,
            [model, modelDescription]
        ).first!.decode(Allocation.self)
        do {
            try await connection.execute(
                """
                INSERT INTO model_versions (model_id, version, algorithm, params, metrics, feature_schema, artifact_sha256,
                    artifact_uri, artifact_size, training_run_id, dataset_fingerprint, spec_hash, nomaly_version, description,
                    created_by)
                VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                """,
                [
                    allocation.id, allocation.version, row.algorithm, row.params, row.metrics, row.featureSchema, row.sha256, row.uri,
                    row.size, lineage.trainingRunID, lineage.datasetFingerprint ?? row.datasetFingerprint, lineage.specHash,
                    row.nomalyVersion, description, lineage.createdBy ?? actor,
                ]
            )
        } catch let error as PostgresError where error.sqlState == "23503" {
            throw RegistryError(.notFound, "training run \(lineage.trainingRunID.map(String.init) ?? "?") does not exist")
        }
        try await audit(
            "model.register",
            target: "\(model):\(allocation.version)",
            actor: actor,
            details: [
                "sha256": .string(row.sha256), "size": .integer(row.size), "algorithm": .string(row.algorithm),
                "training_run_id": lineage.trainingRunID.map { .integer($0) } ?? .null, "spec_hash": lineage.specHash.json,
            ],
            on: connection
        )
        guard let (version, _) = try await fetchVersion(modelID: allocation.id, version: allocation.version, on: connection) else {
            throw RegistryError(.notFound, "\(model):\(allocation.version) vanished right after it was inserted")
        }
        return version
    }

    /// Loads the artifact as scoring would, turning every refusal into `.invalidArtifact`.
    private func validatedArtifact(_ path: String) async throws -> ModelArtifact {
        do {
            return try await ModelArtifact.load(path, limits: limits)
        } catch let error as ModelingError {
            throw RegistryError(.invalidArtifact, error.message)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw RegistryError(.invalidArtifact, "\(path) is not a valid model artifact: \(error)")
        }
    }
}

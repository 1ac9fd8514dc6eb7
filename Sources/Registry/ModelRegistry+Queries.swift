import Audit
import Foundation
import Postgres

extension ModelRegistry {
    /// Every model with its live version count, newest version and aliases, by name.
    ///
    /// ```swift
    /// for model in try await registry.models() { print(model.name, model.aliases["production"] ?? 0) }
    /// ```
    package func models() async throws -> [ModelSummary] {
        try await pool.query("SELECT \(Self.summaryColumns) FROM models m ORDER BY m.name").decode(ModelSummary.self)
    }

    /// One model's summary.
    /// - Throws: ``RegistryError`` `.notFound`.
    package func model(_ name: String) async throws -> ModelSummary {
        try RegistryNames.validateModel(name)
        guard let summary = try await pool.query("SELECT \(Self.summaryColumns) FROM models m WHERE m.name = $1", [name]).first else {
            throw Self.noSuchModel(name)
        }
        return try summary.decode(ModelSummary.self)
    }

    static let summaryColumns = """
        m.name, m.description, m.tags, m.created_at, m.updated_at,
        (SELECT count(*) FROM model_versions v WHERE v.model_id = m.id AND v.deleted_at IS NULL) AS version_count,
        (SELECT max(v.version) FROM model_versions v WHERE v.model_id = m.id AND v.deleted_at IS NULL) AS latest_version,
        COALESCE((SELECT jsonb_object_agg(a.alias, v.version) FROM model_aliases a JOIN model_versions v ON v.id = a.version_id
                  WHERE a.model_id = m.id), '{}') AS aliases
        """

    /// A page of the model's live versions, newest first, each with the aliases pointing at it.
    ///
    /// Paging is by keyset (`version < before`), which the partial index `model_versions_live` answers directly: a page
    /// costs the same whether the model has ten versions or a million.
    ///
    /// ```swift
    /// let first = try await registry.versions(model: "fraud", limit: 20)
    /// let second = try await registry.versions(model: "fraud", limit: 20, before: first.nextCursor)
    /// ```
    /// - Parameters:
    ///   - limit: versions per page, 1 to 1000.
    ///   - before: the previous page's ``VersionPage/nextCursor``; nil for the newest versions.
    /// - Throws: ``RegistryError`` `.notFound` for an unknown model.
    package func versions(model: String, limit: Int = 50, before: Int? = nil) async throws -> VersionPage {
        let limit = min(max(limit, 1), 1000)
        return try await pool.withConnection { connection in
            let id = try await modelID(model, on: connection)
            var versions = try await connection.query(Self.versionPageSQL, [id, before, limit + 1]).decode(ModelVersion.self)
            // One extra row tells whether another page follows without counting.
            let hasMore = versions.count > limit
            if hasMore { versions.removeLast() }
            return VersionPage(versions: versions, nextCursor: hasMore ? versions.last?.version : nil)
        }
    }

    /// `$1` model id, `$2` exclusive upper bound (NULL for none), `$3` row count.
    static let versionPageSQL = """
        SELECT \(versionColumns)
        FROM model_versions v JOIN models m ON m.id = v.model_id
        WHERE v.model_id = $1 AND v.deleted_at IS NULL AND v.version < COALESCE($2::integer, 2147483647)
        ORDER BY v.version DESC
        LIMIT $3
        """

    /// One live version.
    /// - Throws: ``RegistryError`` `.notFound` for an unknown model, or a version that does not exist or was deleted.
    package func version(model: String, version: Int) async throws -> ModelVersion {
        try RegistryNames.validateModel(model)
        try RegistryNames.validateVersion(version, model: model)
        // One round trip for the common case (the API's hottest read); the error path asks again to say what is missing.
        let row = try await pool.query(
            """
            SELECT \(Self.versionColumns) FROM model_versions v JOIN models m ON m.id = v.model_id
            WHERE m.name = $1 AND v.version = $2 AND v.deleted_at IS NULL
            """,
            [model, version]
        ).first
        if let row { return try row.decode(ModelVersion.self) }
        return try await pool.withConnection { connection in
            let id = try await modelID(model, on: connection)
            guard let (found, deleted) = try await fetchVersion(modelID: id, version: version, on: connection) else {
                throw RegistryError(.notFound, "\(model) has no version \(version)")
            }
            guard !deleted else { throw RegistryError(.notFound, "\(model):\(version) was deleted") }
            return found
        }
    }

    /// The version a reference names: `fraud:3`, or the version the alias in `fraud@production` points at.
    ///
    /// ```swift
    /// let version = try await registry.resolve(try ModelReference.parse("fraud@production"))
    /// ```
    /// - Throws: ``RegistryError`` `.invalidName`, or `.notFound` ("fraud has no alias production").
    package func resolve(_ reference: ModelReference) async throws -> ModelVersion {
        switch reference {
        case .version(let model, let version):
            return try await self.version(model: model, version: version)
        case .alias(let model, let alias):
            try RegistryNames.validateModel(model)
            try RegistryNames.validateAlias(alias)
            // Every scoring request resolves its alias: one round trip, and a second only to word a miss.
            let target = try await pool.query(
                """
                SELECT \(Self.versionColumns)
                FROM model_aliases x JOIN model_versions v ON v.id = x.version_id JOIN models m ON m.id = v.model_id
                WHERE m.name = $1 AND x.alias = $2
                """,
                [model, alias]
            ).first
            if let target { return try target.decode(ModelVersion.self) }
            _ = try await pool.withConnection { try await modelID(model, on: $0) }
            throw RegistryError(.notFound, "\(model) has no alias \(alias)")
        }
    }
}

/// An alias and what its version flagged in training, for comparing scoring against it.
package struct AliasBaseline: Decodable, Sendable, Equatable {
    package let model: String
    package let alias: String
    package let version: Int
    /// The share of training rows the version flagged (`metrics.anomaly_rate`); nil when training did not record it.
    package let trainingAnomalyRate: Double?
}

extension ModelRegistry {
    /// Every alias of every model with its version's training anomaly rate, in one query (scraped every few seconds).
    package func aliasBaselines() async throws -> [AliasBaseline] {
        try await pool.query(
            """
            SELECT m.name AS model, a.alias, v.version,
                   CASE WHEN jsonb_typeof(v.metrics -> 'anomaly_rate') = 'number' THEN (v.metrics ->> 'anomaly_rate')::float8 END
                       AS training_anomaly_rate
            FROM model_aliases a JOIN models m ON m.id = a.model_id JOIN model_versions v ON v.id = a.version_id
            ORDER BY m.name, a.alias
            """
        ).decode(AliasBaseline.self)
    }
}

package import Postgres

/// An artifact that live versions reference.
package struct LiveArtifact: Decodable, Sendable, Equatable {
    package let sha256: String
    package let size: Int64
    /// `model:version` of every live version using it, by model and version.
    package let versions: [String]
}

/// A model's live versions and aliases, as the operations report prints them.
package struct ModelOverview: Decodable, Sendable, Equatable {
    package let name: String
    /// Live (not deleted) versions.
    package let versions: Int
    package let latestVersion: Int?
    /// `alias=version`, in the database's order of alias names.
    package let aliases: [String]
}

/// What other domains ask of the registry's tables: backups which artifacts to keep, the operations report what each
/// model holds.
extension ModelRegistry {
    /// Every artifact a live version references, one per sha256, in sha256 order.
    package func liveArtifacts() async throws -> [LiveArtifact] {
        try await pool.query(
            """
            SELECT v.artifact_sha256 AS sha256, max(v.artifact_size) AS size,
                   jsonb_agg(m.name || ':' || v.version ORDER BY m.name, v.version) AS versions
            FROM model_versions v JOIN models m ON m.id = v.model_id
            WHERE v.deleted_at IS NULL
            GROUP BY v.artifact_sha256 ORDER BY v.artifact_sha256
            """
        ).decode(LiveArtifact.self)
    }

    /// Every model by name, with its live version count, newest live version and aliases. Static because it needs
    /// only the database: `nomaly report` asks it without opening the artifact store.
    package static func overview(in pool: PostgresPool) async throws -> [ModelOverview] {
        try await pool.query(
            """
            SELECT m.name,
                (SELECT count(*) FROM model_versions v WHERE v.model_id = m.id AND v.deleted_at IS NULL)::int AS versions,
                (SELECT max(v.version) FROM model_versions v WHERE v.model_id = m.id AND v.deleted_at IS NULL) AS latest_version,
                coalesce((SELECT jsonb_agg(a.alias || '=' || v.version ORDER BY a.alias)
                          FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = m.id), '[]') AS aliases
            FROM models m ORDER BY m.name
            """
        ).decode(ModelOverview.self)
    }
}

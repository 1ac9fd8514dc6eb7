import Foundation
import Logging
import Postgres

extension ModelRegistry {
    /// Points `alias` at a version, as a compare-and-swap: in one transaction that holds the model's row lock, the
    /// current target is read, checked against `expect`, replaced, and the change recorded in `alias_history` and the
    /// audit log. Concurrent promotions therefore apply one after the other, each seeing the previous one.
    ///
    /// Promoting the version the alias already points at changes and records nothing.
    ///
    /// ```swift
    /// try await registry.promote(model: "fraud", version: 5, alias: "production", expect: .version(4),
    ///                            reason: "better PR-AUC", actor: "ana")
    /// ```
    /// - Throws: ``RegistryError`` `.notFound` for an unknown model or a version that does not exist or was deleted,
    ///   `.conflict` when the alias is not where `expect` says ("production of fraud is at 4, not 3 as expected").
    @discardableResult
    package func promote(
        model: String,
        version: Int,
        alias: String,
        expect: ExpectedTarget = .any,
        reason: String? = nil,
        actor: String
    ) async throws -> AliasChange {
        try RegistryNames.validateModel(model)
        try RegistryNames.validateAlias(alias)
        try RegistryNames.validateActor(actor)
        let change = try await pool.withTransaction { connection in
            let modelID = try await lockModel(model, on: connection)
            let versionID = try await liveVersionID(model: model, modelID: modelID, version: version, on: connection)
            let current = try await target(of: alias, modelID: modelID, on: connection)
            guard expect.accepts(current?.version) else {
                throw Self.conflict(model: model, alias: alias, current: current?.version, expected: expect)
            }
            if current?.version == version {
                return AliasChange(
                    model: model,
                    alias: alias,
                    fromVersion: version,
                    toVersion: version,
                    actor: actor,
                    reason: reason,
                    changedAt: Date()
                )
            }
            try await connection.execute(
                """
                INSERT INTO model_aliases (model_id, alias, version_id, updated_by) VALUES ($1, $2, $3, $4)
                ON CONFLICT (model_id, alias) DO UPDATE SET version_id = EXCLUDED.version_id, updated_by = EXCLUDED.updated_by,
                    updated_at = now()
                """,
                [modelID, alias, versionID, actor]
            )
            return try await record(
                "model.promote",
                model: model,
                modelID: modelID,
                alias: alias,
                from: current,
                to: (versionID, version),
                actor: actor,
                reason: reason,
                on: connection
            )
        }
        logger.info("promoted a model version", metadata: ["model": "\(model)", "alias": "\(alias)", "version": "\(version)", "actor": "\(actor)"])
        return change
    }

    /// Returns the alias to where it was before its latest change: the latest history row's `from` version, or removes
    /// it when it did not exist then. The rollback is itself a change in the history, so rolling back twice redoes.
    ///
    /// ```swift
    /// let change = try await registry.rollback(model: "fraud", alias: "production", reason: "alert rate doubled", actor: "ana")
    /// ```
    /// - Throws: ``RegistryError`` `.notFound` for an unknown model, `.refused` when the alias has no history or the
    ///   version it would return to was deleted.
    @discardableResult
    package func rollback(model: String, alias: String, reason: String? = nil, actor: String) async throws -> AliasChange {
        try RegistryNames.validateModel(model)
        try RegistryNames.validateAlias(alias)
        try RegistryNames.validateActor(actor)
        let change = try await pool.withTransaction { connection in
            let modelID = try await lockModel(model, on: connection)
            struct Latest: Decodable {
                let fromVersionId: Int64?
                let fromVersion: Int?
                let fromDeleted: Bool?
            }
            let latest = try await connection.query(
                """
                SELECT h.from_version_id, v.version AS from_version, v.deleted_at IS NOT NULL AS from_deleted
                FROM alias_history h LEFT JOIN model_versions v ON v.id = h.from_version_id
                WHERE h.model_id = $1 AND h.alias = $2
                ORDER BY h.id DESC LIMIT 1
                """,
                [modelID, alias]
            ).first?.decode(Latest.self)
            guard let latest else {
                throw RegistryError(.refused, "\(alias) of \(model) has never changed, so there is nothing to roll back to")
            }
            let current = try await target(of: alias, modelID: modelID, on: connection)
            var destination: (id: Int64, version: Int)?
            if let id = latest.fromVersionId, let version = latest.fromVersion {
                guard latest.fromDeleted != true else {
                    throw RegistryError(.refused, "cannot roll \(alias) of \(model) back to version \(version): that version was deleted")
                }
                destination = (id, version)
                try await connection.execute(
                    """
                    INSERT INTO model_aliases (model_id, alias, version_id, updated_by) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (model_id, alias) DO UPDATE SET version_id = EXCLUDED.version_id, updated_by = EXCLUDED.updated_by,
                        updated_at = now()
                    """,
                    [modelID, alias, id, actor]
                )
            } else {
                try await connection.execute("DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2", [modelID, alias])
            }
            return try await record(
                "model.rollback",
                model: model,
                modelID: modelID,
                alias: alias,
                from: current,
                to: destination,
                actor: actor,
                reason: reason,
                on: connection
            )
        }
        logger.info(
            "rolled back a model alias",
            metadata: ["model": "\(model)", "alias": "\(alias)", "version": "\(change.toVersion.map(String.init) ?? "none")", "actor": "\(actor)"]
        )
        return change
    }

    /// Removes an alias, recording the change.
    ///
    /// ```swift
    /// try await registry.removeAlias(model: "fraud", alias: "canary", reason: "experiment over", actor: "ana")
    /// ```
    /// - Throws: ``RegistryError`` `.notFound` for an unknown model or an alias that does not exist.
    @discardableResult
    package func removeAlias(model: String, alias: String, reason: String? = nil, actor: String) async throws -> AliasChange {
        try RegistryNames.validateModel(model)
        try RegistryNames.validateAlias(alias)
        try RegistryNames.validateActor(actor)
        return try await pool.withTransaction { connection in
            let modelID = try await lockModel(model, on: connection)
            guard let current = try await target(of: alias, modelID: modelID, on: connection) else {
                throw RegistryError(.notFound, "\(model) has no alias \(alias)")
            }
            try await connection.execute("DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2", [modelID, alias])
            return try await record(
                "model.alias.remove",
                model: model,
                modelID: modelID,
                alias: alias,
                from: current,
                to: nil,
                actor: actor,
                reason: reason,
                on: connection
            )
        }
    }

    /// Alias changes of a model, newest first; of one alias when `alias` is given.
    ///
    /// ```swift
    /// for change in try await registry.history(model: "fraud", alias: "production", limit: 10) { print(change) }
    /// ```
    /// - Throws: ``RegistryError`` `.notFound` for an unknown model.
    package func history(model: String, alias: String? = nil, limit: Int = 100) async throws -> [AliasChange] {
        if let alias { try RegistryNames.validateAlias(alias) }
        return try await pool.withConnection { connection in
            let modelID = try await modelID(model, on: connection)
            return try await connection.query(
                """
                SELECT m.name AS model, h.alias, f.version AS from_version, t.version AS to_version, h.actor, h.reason, h.changed_at
                FROM alias_history h JOIN models m ON m.id = h.model_id
                    LEFT JOIN model_versions f ON f.id = h.from_version_id
                    LEFT JOIN model_versions t ON t.id = h.to_version_id
                WHERE h.model_id = $1 AND ($2::text IS NULL OR h.alias = $2::text)
                ORDER BY h.id DESC
                LIMIT $3
                """,
                [modelID, alias, min(max(limit, 1), 10_000)]
            ).decode(AliasChange.self)
        }
    }

    // MARK: Steps

    /// The version an alias points at now, nil when it does not exist.
    private func target(of alias: String, modelID: Int64, on connection: PostgresConnection) async throws -> (id: Int64, version: Int)? {
        struct Target: Decodable {
            let id: Int64
            let version: Int
        }
        let target = try await connection.query(
            "SELECT v.id, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = $1 AND a.alias = $2",
            [modelID, alias]
        ).first?.decode(Target.self)
        return target.map { ($0.id, $0.version) }
    }

    /// Appends the change to `alias_history` and the audit log.
    private func record(
        _ action: String,
        model: String,
        modelID: Int64,
        alias: String,
        from: (id: Int64, version: Int)?,
        to: (id: Int64, version: Int)?,
        actor: String,
        reason: String?,
        on connection: PostgresConnection
    ) async throws -> AliasChange {
        let changedAt = try await connection.query(
            """
            INSERT INTO alias_history (model_id, alias, from_version_id, to_version_id, actor, reason)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING changed_at
            """,
            [modelID, alias, from?.id, to?.id, actor, reason]
        ).first!.decode(Date.self)
        try await audit(
            action,
            target: "\(model)@\(alias)",
            actor: actor,
            details: ["from": (from?.version).json, "to": (to?.version).json, "reason": reason.json],
            on: connection
        )
        return AliasChange(
            model: model,
            alias: alias,
            fromVersion: from?.version,
            toVersion: to?.version,
            actor: actor,
            reason: reason,
            changedAt: changedAt
        )
    }

    static func conflict(model: String, alias: String, current: Int?, expected: ExpectedTarget) -> RegistryError {
        let expectation =
            switch expected {
            case .any: "anything"
            case .empty: "unset"
            case .version(let version): "at \(version)"
            }
        guard let current else {
            return RegistryError(.conflict, "\(alias) of \(model) is not set, not \(expectation) as expected")
        }
        if case .version(let version) = expected {
            return RegistryError(.conflict, "\(alias) of \(model) is at \(current), not \(version) as expected")
        }
        return RegistryError(.conflict, "\(alias) of \(model) is at \(current), not \(expectation) as expected")
    }
}

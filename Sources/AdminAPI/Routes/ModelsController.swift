import Foundation
package import Hummingbird
package import Registry

/// `/api/v1/models…`: the registry over HTTP (reads for viewers; deletions and alias changes for admins). Artifacts
/// have ``ArtifactsController``, scoring ``ScoringController``, the audit log (which registry changes write)
/// ``AuditController``.
package struct ModelsController: Sendable {
    let registry: ModelRegistry

    package init(registry: ModelRegistry) {
        self.registry = registry
    }

    struct AliasRequest: Decodable {
        let version: Int
        /// A version number, or null for "the alias must be empty"; absent for no expectation.
        let expect: Int??
        let reason: String?

        enum CodingKeys: String, CodingKey { case version, expect, reason }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            version = try container.decode(Int.self, forKey: .version)
            reason = try container.decodeIfPresent(String.self, forKey: .reason)
            expect = container.contains(.expect) ? .some(try container.decodeIfPresent(Int.self, forKey: .expect)) : .none
        }
    }

    struct Deleted: Encodable {
        let model: String
        let version: Int
        let deleted: Bool
    }

    /// - Parameter api: the `/api/v1` group, behind ``BearerAuthMiddleware``.
    package func addRoutes(to api: RouterGroup<NomalyRequestContext>) {
        api.group("models").add(middleware: RequireRole(.viewer))
            .get(use: list)
            .get("{name}", use: show)
            .get("{name}/versions", use: versions)
            .get("{name}/versions/{version}", use: version)
            .get("{name}/history", use: history)
        api.group("models").add(middleware: RequireRole(.admin))
            .delete("{name}/versions/{version}", use: delete)
            .put("{name}/aliases/{alias}", use: promote)
            .delete("{name}/aliases/{alias}", use: removeAlias)
            .post("{name}/aliases/{alias}/rollback", use: rollback)
    }

    @Sendable func list(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<[ModelSummary]> {
        JSONResponse(try await registry.models())
    }

    @Sendable func show(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<ModelSummary> {
        JSONResponse(try await registry.model(try context.parameter("name")))
    }

    @Sendable func versions(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<VersionPage> {
        let limit = try request.integerQuery("limit", default: 50, range: 1...1000)!
        let cursor = try request.integerQuery("cursor", range: 1...RegistryNames.maxVersion)
        return JSONResponse(try await registry.versions(model: try context.parameter("name"), limit: limit, before: cursor))
    }

    @Sendable func version(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<ModelVersion> {
        JSONResponse(try await registry.version(model: try context.parameter("name"), version: try context.integerParameter("version")))
    }

    @Sendable func delete(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<Deleted> {
        let name = try context.parameter("name")
        let version = try context.integerParameter("version")
        // The registry refuses while an alias points at it; its artifact goes at the next garbage collection.
        try await registry.delete(model: name, version: version, actor: context.actor)
        return JSONResponse(Deleted(model: name, version: version, deleted: true))
    }

    @Sendable func history(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<[AliasChange]> {
        let limit = try request.integerQuery("limit", default: 100, range: 1...1000)!
        let alias = request.uri.queryParameters.get("alias").map { String($0) }
        return JSONResponse(try await registry.history(model: try context.parameter("name"), alias: alias, limit: limit))
    }

    @Sendable func promote(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<AliasChange> {
        let body = try await request.decodeJSON(AliasRequest.self, context: context)
        let expect: ExpectedTarget =
            switch body.expect {
            case .none: .any
            case .some(.none): .empty
            case .some(.some(let version)): .version(version)
            }
        let change = try await registry.promote(
            model: try context.parameter("name"),
            version: body.version,
            alias: try context.parameter("alias"),
            expect: expect,
            reason: body.reason,
            actor: context.actor
        )
        return JSONResponse(change)
    }

    @Sendable func removeAlias(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<AliasChange> {
        try await changeAlias(request, context, registry.removeAlias)
    }

    @Sendable func rollback(_ request: Request, context: NomalyRequestContext) async throws -> JSONResponse<AliasChange> {
        try await changeAlias(request, context, registry.rollback)
    }

    /// Removing and rolling back an alias take the same inputs: an optional `?reason=`.
    func changeAlias(
        _ request: Request,
        _ context: NomalyRequestContext,
        _ change: (String, String, String?, String) async throws -> AliasChange
    ) async throws -> JSONResponse<AliasChange> {
        let reason = request.uri.queryParameters.get("reason").map { String($0) }
        return JSONResponse(try await change(try context.parameter("name"), try context.parameter("alias"), reason, context.actor))
    }

}

import AdminAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import ObjectStore
import Postgres
import Registry
import Scheduler
import TestSupport

/// Tokens of each role, created for every test API.
struct APITokens: Sendable {
    let viewer: String
    let operatorToken: String
    let admin: String
}

/// What a test of the /api/v1 routes works with.
struct APIHarness: Sendable {
    let client: any TestClientProtocol
    let tokens: APITokens
    let pool: PostgresPool
    let registry: ModelRegistry
    let folder: TemporaryFolder
}

/// A scratch database with the schema, a registry over a folder, a token per role, and the router under test.
func withTestAPI(
    rateLimiter: RateLimiter? = nil,
    uploadLimit: Int64 = 100 << 20,
    bodyLimit: Int = 50 << 20,
    _ body: @escaping @Sendable (APIHarness) async throws -> Void
) async throws {
    try await ScratchDatabase.withSchema { pool, _ in
        let folder = try TemporaryFolder()
        let registry = ModelRegistry(
            pool: pool,
            artifacts: ArtifactStore(store: FileStore(root: folder.path + "/artifacts"), prefix: ""),
            logger: TestEnvironment.logger
        )
        let store = TokenStore(pool: pool)
        let tokens = APITokens(
            viewer: try await store.create(name: "dashboard", role: .viewer, expiresIn: nil).token,
            operatorToken: try await store.create(name: "ci", role: .operator, expiresIn: nil).token,
            admin: try await store.create(name: "alice", role: .admin, expiresIn: nil).token
        )
        let api = APIDependencies(
            tokens: store,
            runs: RunStore(pool: pool),
            registry: registry,
            audit: AuditLog(pool: pool),
            rateLimiter: rateLimiter,
            uploadLimit: uploadLimit,
            bodyLimit: bodyLimit
        )
        try await Application(router: AdminServer.router(version: "1", probes: [], api: api)).test(.router) { client in
            try await body(APIHarness(client: client, tokens: tokens, pool: pool, registry: registry, folder: folder))
        }
    }
}

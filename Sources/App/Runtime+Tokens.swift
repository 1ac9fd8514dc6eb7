package import AdminAPI

extension Runtime {
    /// Runs `body` with the API tokens over the database: what every `nomaly tokens` command starts with.
    package func withTokens<Result>(_ body: (TokenStore) async throws -> Result) async throws -> Result {
        try await withDatabase { pool in try await body(TokenStore(pool: pool)) }
    }
}

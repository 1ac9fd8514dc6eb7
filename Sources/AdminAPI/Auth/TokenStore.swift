import Crypto
package import Foundation
import Hummingbird
package import Postgres

/// What a token may do. Each role includes the ones below it.
package enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads jobs, runs, models, history and the audit log.
    case viewer
    /// Also triggers, pauses, resumes and cancels jobs, and scores.
    case `operator`
    /// Also registers, promotes, rolls back and deletes models, and manages tokens.
    case admin

    var rank: Int {
        switch self {
        case .viewer: 0
        case .`operator`: 1
        case .admin: 2
        }
    }

    package static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// A token as listed: never the token itself, which is shown once when created.
package struct TokenRecord: Codable, Sendable, Equatable {
    package let name: String
    package let role: Role
    package let createdAt: Date
    package let expiresAt: Date?
    package let lastUsedAt: Date?
    package let revokedAt: Date?
}

/// Who a request authenticated as.
package struct TokenIdentity: Sendable, Equatable {
    package let name: String
    package let role: Role
}

/// API tokens in `api_tokens`: only the sha256 of each token is stored.
///
/// A token is `nmly_` followed by 43 characters of base64url (32 random bytes). Looking a token up by its
/// sha256 keeps the comparison constant-time with respect to the secret: what the database compares is a
/// digest the caller cannot steer byte by byte.
///
/// ```swift
/// let (token, record) = try await TokenStore(pool: pool).create(name: "ci", role: .operator, expiresIn: .seconds(90 * 86_400))
/// let identity = try await TokenStore(pool: pool).authenticate(token)   // TokenIdentity(name: "ci", role: .operator)
/// ```
package struct TokenStore: Sendable {
    package let pool: PostgresPool
    let cache: TokenCache
    /// Tests only: runs between a token's database lookup and storing the answer in the cache, where a revocation
    /// can slip in.
    var afterLookup: (@Sendable () async -> Void)?

    /// Revocations are announced on this channel so every replica drops the token from its cache at once.
    package static let revocationChannel = "nomaly_tokens"

    /// - Parameter cacheLifetime: how long an authenticated token is trusted without asking the database again;
    ///   revocations take effect before that (see ``TokenCache``).
    package init(pool: PostgresPool, cacheLifetime: Duration = .seconds(30)) {
        self.pool = pool
        cache = TokenCache(lifetime: cacheLifetime)
    }

    /// Creates a token. Names are unique among all tokens, revoked ones included, so the audit log stays unambiguous.
    package func create(name: String, role: Role, expiresIn: Duration?) async throws -> (token: String, record: TokenRecord) {
        guard name.wholeMatch(of: /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/) != nil else {
            throw APIError(.badRequest, code: "invalid_name", "a token name is 1–64 letters, digits and _ . @ -, starting with a letter or digit")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let token =
            "nmly_"
            + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let seconds = expiresIn.map { Double($0.components.seconds) }
        do {
            let record = try await pool.query(
                """
                INSERT INTO api_tokens (name, role, token_sha256, expires_at)
                VALUES ($1, $2, $3, CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $4::float8) END)
                RETURNING name, role, created_at, expires_at, last_used_at, revoked_at
                """,
                [name, role.rawValue, Self.digest(token), seconds]
            ).first!.decode(TokenRecord.self)
            return (token, record)
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw APIError(.conflict, code: "conflict", "a token named \(name) exists already (revoked tokens keep their names)")
        }
    }

    package func list() async throws -> [TokenRecord] {
        try await pool.query("SELECT name, role, created_at, expires_at, last_used_at, revoked_at FROM api_tokens ORDER BY name")
            .decode(TokenRecord.self)
    }

    /// Revokes a token and tells every replica (``revocationChannel``) to stop trusting it.
    /// - Returns: false when no live token has that name.
    @discardableResult
    package func revoke(name: String) async throws -> Bool {
        let revoked = try await pool.withTransaction { connection in
            let rows = try await connection.query(
                "UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name",
                [name]
            )
            if !rows.isEmpty { try await connection.execute("SELECT pg_notify($1, $2)", [Self.revocationChannel, name]) }
            return rows.count == 1
        }
        cache.invalidate(name: name)
        return revoked
    }

    /// The identity of a live (not revoked, not expired) token; nil otherwise. Recently seen tokens are answered from
    /// memory, and `last_used_at` is written at most once a minute per token, after the answer.
    package func authenticate(_ token: String) async throws -> TokenIdentity? {
        guard token.hasPrefix("nmly_"), token.utf8.count < 200 else { return nil }
        let digest = Self.digest(token)
        if case .hit(let identity, let recordUse) = cache.lookup(digest: digest) {
            if recordUse {
                Task { [pool] in
                    // Best effort: a missed update only makes `tokens list` show an older last use.
                    _ = try? await pool.execute("UPDATE api_tokens SET last_used_at = now() WHERE token_sha256 = $1", [digest])
                }
            }
            return identity
        }
        struct Row: Decodable {
            let name: String
            let role: String
            let expiresAt: Date?
        }
        let generation = cache.generation
        guard
            let row = try await pool.query(
                """
                UPDATE api_tokens SET last_used_at = now()
                WHERE token_sha256 = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
                RETURNING name, role, expires_at
                """,
                [digest]
            ).first?.decode(Row.self),
            let role = Role(rawValue: row.role)
        else { return nil }
        let identity = TokenIdentity(name: row.name, role: role)
        await afterLookup?()
        cache.store(digest: digest, identity: identity, expiresAt: row.expiresAt, unlessInvalidatedSince: generation)
        return identity
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// A token as shown once at creation: its record's fields plus `token`, flat (`nomaly tokens create --json` and
/// `POST /api/v1/tokens` print the same object).
package struct CreatedToken: Encodable, Sendable {
    package let token: String
    package let record: TokenRecord

    package init(token: String, record: TokenRecord) {
        self.token = token
        self.record = record
    }

    enum Key: String, CodingKey { case token }

    package func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(token, forKey: .token)
    }
}

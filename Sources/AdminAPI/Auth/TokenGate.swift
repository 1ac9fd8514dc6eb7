import Foundation
package import Hummingbird

/// What every token lookup passes, wherever the request arrives (the router's ``BearerAuthMiddleware`` or
/// `/metrics`, answered ahead of the router), so that an address has one budget and one lockout whichever door it
/// knocks on:
///
/// 1. a locked-out address is refused (429 `locked_out`) without a lookup;
/// 2. the request takes one from its address's bucket (429 `rate_limited` when empty), before the database is asked,
///    so a flood of guesses is refused by address;
/// 3. a missing token or one the database refuses is a failed attempt (401);
/// 4. a valid token gives the address's request back and takes one from the token's own bucket instead: clients
///    with valid tokens are limited per token, however many of them share an address.
///
/// ```swift
/// let gate = TokenGate(tokens: TokenStore(pool: pool), rateLimiter: RateLimiter(perMinute: 60, burst: 10))
/// let identity = try await gate.authenticate(request, address: "203.0.113.9")
/// ```
package struct TokenGate: Sendable {
    package let tokens: TokenStore
    package let lockout: FailedAttemptLimiter
    /// nil when `RATE_LIMIT_ENABLED=false`.
    package let rateLimiter: RateLimiter?

    package init(tokens: TokenStore, lockout: FailedAttemptLimiter = FailedAttemptLimiter(), rateLimiter: RateLimiter? = nil) {
        self.tokens = tokens
        self.lockout = lockout
        self.rateLimiter = rateLimiter
    }

    /// Takes one request from the address's bucket: for requests that need no token (`/openapi.json`) and, inside
    /// ``authenticate(_:address:)``, before every lookup.
    /// - Throws: 429 `rate_limited` with Retry-After.
    package func admit(_ address: String) async throws {
        let client = IPNetwork.clientKey(for: address)
        try await take(Self.addressKey(client), what: "from \(client)")
    }

    /// The identity of the request's bearer token, after the address's lockout and rate limit.
    /// - Parameter missingTokenCounts: whether a request without a token is a failed attempt; false where no route
    ///   matched (a browser asking for `/favicon.ico` is not guessing tokens).
    /// - Throws: 429 `locked_out` or `rate_limited` with Retry-After; 401 `unauthorized` for a missing, unknown, revoked
    ///   or expired token (counted as a failed attempt of the address).
    package func authenticate(_ request: Request, address: String, missingTokenCounts: Bool = true) async throws -> TokenIdentity {
        // One IPv6 host holds a whole /64: it is one client here, or it could rotate past every limit.
        let client = IPNetwork.clientKey(for: address)
        if let wait = await lockout.lockedFor(client) {
            var error = APIError(.tooManyRequests, code: "locked_out", "too many failed authentication attempts from \(client); try again later")
            error.headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
            throw error
        }
        try await take(Self.addressKey(client), what: "from \(client)")
        guard let token = Self.bearerToken(request) else {
            if missingTokenCounts { await lockout.recordFailure(client) }
            throw APIError(.unauthorized, code: "unauthorized", "missing bearer token: send Authorization: Bearer <token>")
        }
        guard let identity = try await tokens.authenticate(token) else {
            await lockout.recordFailure(client)
            throw APIError(.unauthorized, code: "unauthorized", "the token is unknown, revoked or expired")
        }
        await lockout.recordSuccess(client)
        await rateLimiter?.refund(Self.addressKey(client))
        try await take("token:" + identity.name, what: "for token \(identity.name)")
        return identity
    }

    /// The token of an `Authorization: Bearer …` header, if there is one.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }

    static func addressKey(_ address: String) -> String { "address:" + address }

    private func take(_ key: String, what: String) async throws {
        guard let rateLimiter, let wait = await rateLimiter.take(key) else { return }
        var error = APIError(.tooManyRequests, code: "rate_limited", "more than the allowed requests per minute \(what); slow down")
        error.headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
        throw error
    }
}

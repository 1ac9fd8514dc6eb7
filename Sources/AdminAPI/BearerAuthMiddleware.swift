public import Foundation
public import Hummingbird
import Registry

/// Requires `Authorization: Bearer nmly_…` everywhere except the public paths, and locks an address out after
/// repeated failures (the deployment guide's defaults: 5 attempts within 15 minutes lock it for 15 minutes).
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = NomalyRequestContext
    let tokens: TokenStore
    let lockout: FailedAttemptLimiter

    /// `/metrics` is not among them because it never reaches the router: ``MeteredResponder`` answers it, checking a
    /// token itself when `NOMALY_METRICS_REQUIRE_TOKEN` is on.
    static let publicPaths: Set<String> = ["/health", "/ready", "/openapi.json"]

    public init(tokens: TokenStore, lockout: FailedAttemptLimiter) {
        self.tokens = tokens
        self.lockout = lockout
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        let address = context.remoteAddress ?? "unknown"
        if let wait = await lockout.lockedFor(address) {
            var error = APIError(.tooManyRequests, code: "locked_out", "too many failed authentication attempts from \(address); try again later")
            error.headers[.retryAfter] = String(Int(wait.rounded(.up)))
            throw error
        }
        guard let token = Self.bearerToken(request) else {
            throw APIError(.unauthorized, code: "unauthorized", "missing bearer token: send Authorization: Bearer <token>")
        }
        guard let identity = try await tokens.authenticate(token) else {
            await lockout.recordFailure(address)
            throw APIError(.unauthorized, code: "unauthorized", "the token is unknown, revoked or expired")
        }
        var context = context
        context.identity = identity
        // Registry changes made while answering are audited with the caller's address.
        return try await AuditOrigin.$remoteAddress.withValue(context.remoteAddress) { try await next(request, context) }
    }

    /// The token of an `Authorization: Bearer …` header, if there is one.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }
}

/// Failed authentication attempts per address: `maxAttempts` within `window` lock the address for `lockout`.
public actor FailedAttemptLimiter {
    let maxAttempts: Int
    let window: TimeInterval
    let lockout: TimeInterval
    private var failures: [String: [Date]] = [:]
    private var lockedUntil: [String: Date] = [:]
    private let now: @Sendable () -> Date

    public init(maxAttempts: Int = 5, window: TimeInterval = 900, lockout: TimeInterval = 900, now: @escaping @Sendable () -> Date = Date.init) {
        self.maxAttempts = maxAttempts
        self.window = window
        self.lockout = lockout
        self.now = now
    }

    /// Seconds left in a lockout, or nil when the address may try.
    public func lockedFor(_ address: String) -> TimeInterval? {
        guard let until = lockedUntil[address] else { return nil }
        let left = until.timeIntervalSince(now())
        if left <= 0 {
            lockedUntil[address] = nil
            return nil
        }
        return left
    }

    public func recordFailure(_ address: String) {
        let current = now()
        var recent = (failures[address] ?? []).filter { current.timeIntervalSince($0) < window }
        recent.append(current)
        if recent.count >= maxAttempts {
            lockedUntil[address] = current.addingTimeInterval(lockout)
            recent.removeAll()
        }
        failures[address] = recent.isEmpty ? nil : recent
        // Bound memory under a spray of addresses: forget the oldest when the table grows large.
        if failures.count > 100_000 { failures.removeAll() }
    }
}

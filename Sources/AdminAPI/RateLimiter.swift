public import Foundation
public import Hummingbird

/// Token buckets by key: `burst` requests at once, refilled at `perMinute` per minute.
public actor RateLimiter {
    let capacity: Double
    let refillPerSecond: Double
    private var buckets: [String: (tokens: Double, updated: Date)] = [:]
    private let now: @Sendable () -> Date

    public init(perMinute: Int, burst: Int, now: @escaping @Sendable () -> Date = Date.init) {
        capacity = Double(burst)
        refillPerSecond = Double(perMinute) / 60
        self.now = now
    }

    /// Takes one request's token; nil when allowed, else the seconds until one is available.
    public func take(_ key: String) -> TimeInterval? {
        let current = now()
        var bucket = buckets[key] ?? (capacity, current)
        bucket.tokens = min(capacity, bucket.tokens + current.timeIntervalSince(bucket.updated) * refillPerSecond)
        bucket.updated = current
        defer {
            buckets[key] = bucket
            // Full buckets carry no information: drop them when the table grows, so memory stays bounded.
            if buckets.count > 100_000 { buckets = buckets.filter { $0.value.tokens < capacity } }
        }
        guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / refillPerSecond }
        bucket.tokens -= 1
        return nil
    }
}

/// Answers 429 with Retry-After once a token (or, unauthenticated, an address) exceeds its rate. Health,
/// readiness and metrics are never limited: probes and scrapers must always get through.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = NomalyRequestContext
    let limiter: RateLimiter
    let exempt: Set<String>

    public init(limiter: RateLimiter, exempt: Set<String> = ["/health", "/ready", "/metrics"]) {
        self.limiter = limiter
        self.exempt = exempt
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !exempt.contains(request.uri.path) else { return try await next(request, context) }
        let key = context.identity.map { "token:" + $0.name } ?? "address:" + (context.remoteAddress ?? "unknown")
        if let wait = await limiter.take(key) {
            var error = APIError(.tooManyRequests, code: "rate_limited", "more than the allowed requests per minute; slow down")
            error.headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
            throw error
        }
        return try await next(request, context)
    }
}

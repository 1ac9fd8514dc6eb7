package import Foundation

/// Token buckets by key (`address:…` before authentication, `token:…` after): `burst` requests at once, refilled at
/// `perMinute` per minute. At most `capacity` keys are tracked: past it, buckets that have refilled are forgotten
/// (they carry no information), then the least recently used, so a spray of addresses costs bounded memory.
package actor RateLimiter {
    /// How many keys are tracked at most.
    package static let defaultCapacity = 100_000

    let capacity: Double
    let refillPerSecond: Double
    let maxKeys: Int
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private var buckets: [String: Bucket] = [:]
    private let now: @Sendable () -> Date

    package init(perMinute: Int, burst: Int, capacity: Int = RateLimiter.defaultCapacity, now: @escaping @Sendable () -> Date = Date.init) {
        self.capacity = Double(burst)
        refillPerSecond = Double(perMinute) / 60
        maxKeys = max(1, capacity)
        self.now = now
    }

    /// Takes one request's token; nil when allowed, else the seconds until one is available.
    package func take(_ key: String) -> TimeInterval? {
        let current = now()
        var bucket = buckets[key].map { refilled($0, at: current) } ?? Bucket(tokens: capacity, updated: current)
        defer { store(key, bucket) }
        guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / refillPerSecond }
        bucket.tokens -= 1
        return nil
    }

    /// Gives back a token ``take(_:)`` took, for a request that turned out not to count against this key (an address's
    /// request whose token was valid is counted against the token instead).
    package func refund(_ key: String) {
        guard var bucket = buckets[key] else { return }
        bucket.tokens = min(capacity, bucket.tokens + 1)
        buckets[key] = bucket
    }

    /// How many keys are remembered now.
    var trackedKeys: Int { buckets.count }

    private func refilled(_ bucket: Bucket, at current: Date) -> Bucket {
        Bucket(tokens: min(capacity, bucket.tokens + current.timeIntervalSince(bucket.updated) * refillPerSecond), updated: current)
    }

    private func store(_ key: String, _ bucket: Bucket) {
        if buckets[key] == nil && buckets.count >= maxKeys { prune(at: bucket.updated) }
        buckets[key] = bucket
    }

    /// Forgets buckets that are full again by now; if the table is still full, the least recently used ones, down to
    /// nine tenths of `maxKeys`, so that pruning runs once per many new keys. A forgotten key starts again with a
    /// full bucket: the cost of bounded memory is some leniency towards the oldest keys.
    private func prune(at current: Date) {
        buckets = buckets.filter { refilled($0.value, at: current).tokens < capacity }
        guard buckets.count >= maxKeys else { return }
        let keep = maxKeys - max(1, maxKeys / 10)
        let recent = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(keep)
        buckets = Dictionary(uniqueKeysWithValues: recent.map { ($0.key, $0.value) })
    }
}

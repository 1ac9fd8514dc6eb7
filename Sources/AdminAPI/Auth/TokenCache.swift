import Foundation
import Synchronization

/// Identities of recently authenticated tokens, by digest, so that a request does not cost a database write.
///
/// Without it every request ran `UPDATE api_tokens SET last_used_at …`: a durable commit, and requests with the
/// same token queued on that row's lock. An entry lives for `lifetime` (and never past the token's expiry);
/// revocations remove entries at once — on this replica directly, on the others through the `nomaly_tokens`
/// notification (``TokenRevocationListener``) — so the lifetime only bounds a notification lost during a reconnect.
/// `last_used_at` is written at most once per `useInterval` per token, outside the request.
///
/// A lookup that was answered by the database before a revocation may finish after it. Every invalidation therefore
/// advances a generation, and ``store(digest:identity:expiresAt:unlessInvalidatedSince:now:)`` drops an answer read
/// before the latest invalidation: a revoked token is never remembered as valid.
final class TokenCache: Sendable {
    struct Entry: Sendable {
        let identity: TokenIdentity
        let expiresAt: Date?
        let cachedAt: ContinuousClock.Instant
        var useRecordedAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: UInt64 = 0
    }

    let lifetime: Duration
    let useInterval: Duration
    private let state = Mutex(State())

    init(lifetime: Duration = .seconds(30), useInterval: Duration = .seconds(60)) {
        self.lifetime = lifetime
        self.useInterval = useInterval
    }

    enum Lookup {
        case miss
        /// `recordUse`: the caller should write `last_used_at` now (this call claimed the interval).
        case hit(TokenIdentity, recordUse: Bool)
    }

    /// Advances with every invalidation; read it before asking the database, and pass it to ``store``.
    var generation: UInt64 { state.withLock { $0.generation } }

    func lookup(digest: String, now: ContinuousClock.Instant = .now, date: Date = Date()) -> Lookup {
        state.withLock { state in
            guard var entry = state.entries[digest] else { return .miss }
            guard now - entry.cachedAt < lifetime, entry.expiresAt.map({ $0 > date }) ?? true else {
                state.entries[digest] = nil
                return .miss
            }
            let recordUse = now - entry.useRecordedAt >= useInterval
            if recordUse {
                entry.useRecordedAt = now
                state.entries[digest] = entry
            }
            return .hit(entry.identity, recordUse: recordUse)
        }
    }

    /// Remembers an identity the database answered, unless a token was invalidated since `generation` was read (the
    /// answer may predate a revocation): then the next request asks the database again.
    /// - Returns: whether the identity was stored.
    @discardableResult
    func store(
        digest: String,
        identity: TokenIdentity,
        expiresAt: Date?,
        unlessInvalidatedSince generation: UInt64,
        now: ContinuousClock.Instant = .now
    ) -> Bool {
        state.withLock { state in
            guard state.generation == generation else { return false }
            // Bound memory: tokens are few, so a full table means churn; start over rather than track ages.
            if state.entries.count >= 10_000 { state.entries.removeAll() }
            state.entries[digest] = Entry(identity: identity, expiresAt: expiresAt, cachedAt: now, useRecordedAt: now)
            return true
        }
    }

    func invalidate(name: String) {
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { $0.value.identity.name != name }
        }
    }

    func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }
}

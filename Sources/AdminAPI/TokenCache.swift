import Foundation
import Synchronization

/// Identities of recently authenticated tokens, by digest, so that a request does not cost a database write.
///
/// Without it every request ran `UPDATE api_tokens SET last_used_at …`: a durable commit, and requests with the
/// same token queued on that row's lock. An entry lives for `lifetime` (and never past the token's expiry);
/// revocations remove entries at once — on this replica directly, on the others through the `nomaly_tokens`
/// notification (``TokenRevocationListener``) — so the lifetime only bounds a notification lost during a reconnect.
/// `last_used_at` is written at most once per `useInterval` per token, outside the request.
final class TokenCache: Sendable {
    struct Entry: Sendable {
        let identity: TokenIdentity
        let expiresAt: Date?
        let cachedAt: ContinuousClock.Instant
        var useRecordedAt: ContinuousClock.Instant
    }

    let lifetime: Duration
    let useInterval: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(lifetime: Duration = .seconds(30), useInterval: Duration = .seconds(60)) {
        self.lifetime = lifetime
        self.useInterval = useInterval
    }

    enum Lookup {
        case miss
        /// `recordUse`: the caller should write `last_used_at` now (this call claimed the interval).
        case hit(TokenIdentity, recordUse: Bool)
    }

    func lookup(digest: String, now: ContinuousClock.Instant = .now, date: Date = Date()) -> Lookup {
        entries.withLock { entries in
            guard var entry = entries[digest] else { return .miss }
            guard now - entry.cachedAt < lifetime, entry.expiresAt.map({ $0 > date }) ?? true else {
                entries[digest] = nil
                return .miss
            }
            let recordUse = now - entry.useRecordedAt >= useInterval
            if recordUse {
                entry.useRecordedAt = now
                entries[digest] = entry
            }
            return .hit(entry.identity, recordUse: recordUse)
        }
    }

    func store(digest: String, identity: TokenIdentity, expiresAt: Date?, now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            // Bound memory: tokens are few, so a full table means churn; start over rather than track ages.
            if entries.count >= 10_000 { entries.removeAll() }
            entries[digest] = Entry(identity: identity, expiresAt: expiresAt, cachedAt: now, useRecordedAt: now)
        }
    }

    func invalidate(name: String) {
        entries.withLock { entries in entries = entries.filter { $0.value.identity.name != name } }
    }

    func invalidateAll() {
        entries.withLock { $0.removeAll() }
    }
}

import Foundation
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing

@testable import AdminAPI

@Suite("Token authentication from memory: no write per request, revocations reach every replica (real Postgres)")
struct TokenCacheTests {
    func isCached(_ store: TokenStore, _ token: String) -> Bool {
        if case .hit = store.cache.lookup(digest: TokenStore.digest(token)) { return true }
        return false
    }

    @Test("a second request is answered from memory and does not write last_used_at again within the minute")
    func noWritePerRequest() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = TokenStore(pool: pool)
            let (token, _) = try await store.create(name: "ci", role: .operator, expiresIn: nil)
            #expect(try await store.authenticate(token)?.name == "ci")
            try await pool.execute("UPDATE api_tokens SET last_used_at = '2000-01-01Z'")
            #expect(try await store.authenticate(token)?.role == .operator)
            let lastUsed = try await pool.query("SELECT last_used_at FROM api_tokens").first?.decode(Date.self)
            #expect(lastUsed == ISO8601DateFormatter().date(from: "2000-01-01T00:00:00Z"))
            #expect(try await store.authenticate("nmly_unknown") == nil)
        }
    }

    @Test("an expired token is not answered from memory")
    func expiry() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = TokenStore(pool: pool)
            let (token, _) = try await store.create(name: "short", role: .viewer, expiresIn: .seconds(3600))
            #expect(try await store.authenticate(token) != nil)
            let cache = TokenCache()
            cache.store(
                digest: "d",
                identity: TokenIdentity(name: "short", role: .viewer),
                expiresAt: Date().addingTimeInterval(-1),
                unlessInvalidatedSince: cache.generation
            )
            if case .hit = cache.lookup(digest: "d") { Issue.record("an expired token was answered from memory") }
            let lifetimeOver = TokenCache(lifetime: .zero)
            lifetimeOver.store(digest: "d", identity: TokenIdentity(name: "x", role: .viewer), expiresAt: nil, unlessInvalidatedSince: 0)
            if case .hit = lifetimeOver.lookup(digest: "d") { Issue.record("an entry past its lifetime was answered") }
        }
    }

    @Test("a revocation by another process reaches this replica's cache through the nomaly_tokens notification")
    func revocationAcrossReplicas() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            // A lifetime of an hour: only the notification can make the replica forget in time.
            let replica = TokenStore(pool: pool, cacheLifetime: .seconds(3600))
            let elsewhere = TokenStore(pool: pool)
            let listener = TokenRevocationListener(tokens: replica, logger: TestEnvironment.logger)
            let group = ServiceGroup(configuration: .init(services: [listener], logger: TestEnvironment.logger))
            let running = Task { try await group.run() }
            defer { running.cancel() }
            // The first round proves the listener is listening (it forgets everything once it is); the second round
            // can then only pass through a delivered notification.
            for name in ["warm-up", "grafana"] {
                let (token, _) = try await elsewhere.create(name: name, role: .viewer, expiresIn: nil)
                #expect(try await replica.authenticate(token)?.name == name)
                // The listener forgets everything when it (re)connects; a lookup that straddled that moment is rightly
                // not cached, so the next one is.
                try await waitFor {
                    _ = try await replica.authenticate(token)
                    return isCached(replica, token)
                }
                #expect(try await elsewhere.revoke(name: name))
                try await waitFor { !isCached(replica, token) }
                #expect(try await replica.authenticate(token) == nil)
            }
            await group.triggerGracefulShutdown()
            _ = await running.result
        }
    }

    @Test("a graceful shutdown stops the listener at once, not after its pause before listening again")
    func stopsAtOnce() async throws {
        actor Flag {
            var isSet = false
            func set() { isSet = true }
        }
        try await ScratchDatabase.withSchema { pool, _ in
            let (listening, signal) = AsyncStream<Void>.makeStream()
            // A pause of an hour: a stop that waited for it would not come within the minute this test allows.
            let listener = TokenRevocationListener(tokens: TokenStore(pool: pool), logger: TestEnvironment.logger, retryDelay: .seconds(3600)) {
                signal.yield()
            }
            let group = ServiceGroup(configuration: .init(services: [listener], logger: TestEnvironment.logger))
            let stopped = Flag()
            let running = Task {
                try await group.run()
                await stopped.set()
            }
            defer { running.cancel() }
            for await _ in listening { break }
            await group.triggerGracefulShutdown()
            try await waitFor(timeout: .seconds(60)) { await stopped.isSet }
        }
    }

    @Test("a token revoked by another replica while its lookup is in flight is never cached as valid")
    func revocationDuringLookup() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            // A lifetime of an hour: a wrongly cached answer would outlive the test.
            let replica = TokenStore(pool: pool, cacheLifetime: .seconds(3600))
            let elsewhere = TokenStore(pool: pool)
            let (listening, signal) = AsyncStream<Void>.makeStream()
            let listener = TokenRevocationListener(tokens: replica, logger: TestEnvironment.logger) { signal.yield() }
            let group = ServiceGroup(configuration: .init(services: [listener], logger: TestEnvironment.logger))
            let running = Task { try await group.run() }
            defer { running.cancel() }
            for await _ in listening { break }

            let (token, _) = try await elsewhere.create(name: "racing", role: .viewer, expiresIn: nil)
            var paused = replica
            paused.afterLookup = {
                // The database has answered "valid"; the token is revoked before the answer is cached, and this replica
                // hears of it through the notification (a marker entry of the same name disappears when it does).
                replica.cache.store(
                    digest: "marker",
                    identity: TokenIdentity(name: "racing", role: .viewer),
                    expiresAt: nil,
                    unlessInvalidatedSince: replica.cache.generation
                )
                _ = try? await elsewhere.revoke(name: "racing")
                try? await waitFor {
                    if case .hit = replica.cache.lookup(digest: "marker") { return false }
                    return true
                }
            }
            // Valid when the database was asked, so this request passes; the next must not.
            #expect(try await paused.authenticate(token)?.name == "racing")
            #expect(!isCached(replica, token), "the revoked token was cached as valid")
            #expect(try await replica.authenticate(token) == nil)
            await group.triggerGracefulShutdown()
            _ = await running.result
        }
    }
}

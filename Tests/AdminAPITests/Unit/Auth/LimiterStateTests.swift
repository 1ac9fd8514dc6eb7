import Foundation
import Synchronization
import Testing

@testable import AdminAPI

/// The lockout and the rate limiter's tables on their own, with the clock injected.
@Suite("Lockout and rate-limit tables: per address, bounded, oldest forgotten first")
struct LimiterStateTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    func lockout(capacity: Int = 100) -> FailedAttemptLimiter.StateMachine {
        FailedAttemptLimiter.StateMachine(maxAttempts: 3, window: 60, lockout: 600, capacity: capacity)
    }

    @Test("the attempts within the window lock an address; older ones have expired; the lockout ends on time")
    func window() {
        var state = lockout()
        state.recordFailure("a", at: Self.start)
        state.recordFailure("a", at: Self.start + 61)
        state.recordFailure("a", at: Self.start + 62)
        #expect(state.lockedFor("a", at: Self.start + 62) == nil, "the first failure is out of the window")
        state.recordFailure("a", at: Self.start + 63)
        #expect(state.lockedFor("a", at: Self.start + 63) == 600)
        #expect(state.lockedFor("a", at: Self.start + 663) == nil)
    }

    @Test("a success clears its own address's failures and nobody else's, and does not lift a lockout")
    func successIsPerAddress() {
        var state = lockout()
        for address in ["a", "b"] {
            state.recordFailure(address, at: Self.start)
            state.recordFailure(address, at: Self.start + 1)
        }
        for _ in 0..<3 { state.recordFailure("locked", at: Self.start + 1) }
        state.recordSuccess("a")
        state.recordSuccess("locked")
        state.recordFailure("a", at: Self.start + 2)
        state.recordFailure("b", at: Self.start + 2)
        #expect(state.lockedFor("a", at: Self.start + 2) == nil, "a's earlier failures were cleared by its success")
        #expect(state.lockedFor("b", at: Self.start + 2) != nil, "b's failures survived a's success")
        #expect(state.lockedFor("locked", at: Self.start + 2) != nil)
    }

    @Test("the table never grows past its capacity; the addresses whose last failure is oldest go first")
    func bounded() {
        var state = lockout(capacity: 10)
        for _ in 0..<3 { state.recordFailure("attacker", at: Self.start + 1000) }
        state.recordFailure("early", at: Self.start)
        for index in 0..<100 {
            state.recordFailure("spray-\(index)", at: Self.start + 1001 + Double(index) / 1000)
            #expect(state.entries.count <= 10)
        }
        #expect(state.entries["early"] == nil, "the oldest failure went first")
        #expect(state.entries["spray-99"] != nil, "the newest failure is kept")
        #expect(state.lockedFor("attacker", at: Self.start + 1002) != nil, "a spray of fresh addresses does not lift a lockout")
        // Ten minutes later, stale entries make room before anything recent is dropped.
        var later = lockout(capacity: 10)
        for index in 0..<9 { later.recordFailure("stale-\(index)", at: Self.start) }
        for _ in 0..<3 { later.recordFailure("attacker", at: Self.start + 100) }
        for index in 0..<9 { later.recordFailure("new-\(index)", at: Self.start + 200) }
        #expect(later.lockedFor("attacker", at: Self.start + 200) != nil, "a lockout in force outlives stale failures")
    }

    @Test("when only lockouts are left, the oldest lockout goes first and the table stays bounded")
    func lockoutsOnly() {
        var state = lockout(capacity: 10)
        for index in 0..<30 {
            for _ in 0..<3 { state.recordFailure("locked-\(index)", at: Self.start + Double(index)) }
            #expect(state.entries.count <= 10)
        }
        #expect(state.lockedFor("locked-29", at: Self.start + 30) != nil)
        #expect(state.entries["locked-0"] == nil)
    }

    @Test("a spray of new addresses does not wipe the failures of the address that failed last")
    func sprayKeepsRecentFailures() async {
        let clock = Mutex(Self.start)
        let limiter = FailedAttemptLimiter {
            clock.withLock { now in
                now += 0.001
                return now
            }
        }
        for index in 0..<(FailedAttemptLimiter.defaultCapacity - 1) { await limiter.recordFailure("spray-\(index)") }
        for _ in 0..<4 { await limiter.recordFailure("attacker") }
        await limiter.recordFailure("one-address-too-many")
        await limiter.recordFailure("attacker")
        #expect(await limiter.lockedFor("attacker") != nil)
        #expect(await limiter.trackedAddresses <= FailedAttemptLimiter.defaultCapacity)
    }

    @Test("the limiter's address table stays bounded under a spray, and forgets the least recently used first")
    func rateLimiterBounded() async {
        // A tenth of a millisecond per request: the keys have an order, and none refills a whole token meanwhile.
        let clock = Mutex(Self.start)
        let limiter = RateLimiter(perMinute: 1, burst: 1) {
            clock.withLock { now in
                now += 0.000_1
                return now
            }
        }
        // Every bucket is empty (none has refilled), which pruning only the full ones could not shrink.
        for index in 0...RateLimiter.defaultCapacity {
            _ = await limiter.take("address:\(index)")
        }
        #expect(await limiter.trackedKeys <= RateLimiter.defaultCapacity)
        #expect(await limiter.take("address:0") == nil, "the oldest key was forgotten, so it starts full again")
    }

    @Test("a refund gives back one token, never more than the burst")
    func refund() async {
        let limiter = RateLimiter(perMinute: 6, burst: 2, now: { Self.start })
        #expect(await limiter.take("k") == nil)
        #expect(await limiter.take("k") == nil)
        #expect(await limiter.take("k") != nil)
        await limiter.refund("k")
        #expect(await limiter.take("k") == nil)
        for _ in 0..<5 { await limiter.refund("k") }
        #expect(await limiter.take("k") == nil)
        #expect(await limiter.take("k") == nil)
        #expect(await limiter.take("k") != nil, "refunds never exceed the burst")
    }
}

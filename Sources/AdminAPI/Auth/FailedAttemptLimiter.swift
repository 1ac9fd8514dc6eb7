package import Foundation

/// Failed authentication attempts per client address: `maxAttempts` within `window` lock the address for `lockout`
/// (the deployment guide's defaults: 5 attempts within 15 minutes lock it for 15 minutes). A missing token counts
/// like a wrong one on the routes that need one. At most `capacity` addresses are remembered, oldest failures
/// forgotten first (``StateMachine``).
package actor FailedAttemptLimiter {
    /// How many addresses are tracked at most: about 20 MB in the worst case.
    package static let defaultCapacity = 100_000

    private var state: StateMachine
    private let now: @Sendable () -> Date

    package init(
        maxAttempts: Int = 5,
        window: TimeInterval = 900,
        lockout: TimeInterval = 900,
        capacity: Int = FailedAttemptLimiter.defaultCapacity,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        state = StateMachine(maxAttempts: maxAttempts, window: window, lockout: lockout, capacity: capacity)
        self.now = now
    }

    /// Seconds left in a lockout, or nil when the address may try.
    package func lockedFor(_ address: String) -> TimeInterval? {
        state.lockedFor(address, at: now())
    }

    package func recordFailure(_ address: String) {
        state.recordFailure(address, at: now())
    }

    /// Clears this address's failures after a valid token; nobody else's.
    package func recordSuccess(_ address: String) {
        state.recordSuccess(address)
    }

    /// How many addresses are remembered now.
    var trackedAddresses: Int { state.entries.count }
}

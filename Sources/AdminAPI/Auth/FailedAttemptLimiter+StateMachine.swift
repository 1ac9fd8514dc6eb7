import Foundation

extension FailedAttemptLimiter {
    /// Failed attempts and lockouts per address, without a clock of its own: every call is given the time, so the
    /// rules are tested without waiting. At most `capacity` addresses are tracked; beyond that the addresses that are not
    /// locked out and whose last failure is oldest are forgotten first, so a spray of addresses costs bounded memory and
    /// cannot lift a lockout in force.
    struct StateMachine {
        struct Entry {
            /// Failures within the window, oldest first.
            var failures: [Date] = []
            var lockedUntil: Date?
            /// The last failure: what pruning orders by.
            var lastFailure: Date
        }

        let maxAttempts: Int
        let window: TimeInterval
        let lockout: TimeInterval
        let capacity: Int
        private(set) var entries: [String: Entry] = [:]

        init(maxAttempts: Int, window: TimeInterval, lockout: TimeInterval, capacity: Int) {
            precondition(maxAttempts >= 1 && capacity >= 1)
            self.maxAttempts = maxAttempts
            self.window = window
            self.lockout = lockout
            self.capacity = capacity
        }

        /// Seconds left in the address's lockout, or nil when it may try.
        mutating func lockedFor(_ address: String, at now: Date) -> TimeInterval? {
            guard let until = entries[address]?.lockedUntil else { return nil }
            let left = until.timeIntervalSince(now)
            guard left > 0 else {
                entries[address]?.lockedUntil = nil
                return nil
            }
            return left
        }

        mutating func recordFailure(_ address: String, at now: Date) {
            var entry = entries[address] ?? Entry(lastFailure: now)
            entry.failures.removeAll { now.timeIntervalSince($0) >= window }
            entry.failures.append(now)
            entry.lastFailure = now
            if entry.failures.count >= maxAttempts {
                entry.lockedUntil = now.addingTimeInterval(lockout)
                entry.failures.removeAll()
            }
            if entries[address] == nil && entries.count >= capacity { prune(at: now) }
            entries[address] = entry
        }

        /// A valid token from `address` clears that address's failures; other addresses keep theirs. A lockout in force
        /// stays: a locked-out address is refused before its token is looked up.
        mutating func recordSuccess(_ address: String) {
            guard var entry = entries[address], !entry.failures.isEmpty else { return }
            entry.failures.removeAll()
            entries[address] = entry.lockedUntil == nil ? nil : entry
        }

        /// Makes room for one more address: first forgets what no longer counts (failures out of the window, lockouts
        /// over), then, if the table is still full, down to nine tenths of the capacity (so pruning runs once per many
        /// failures rather than at each): addresses merely counting failures go before locked-out ones, so a spray of
        /// fresh addresses cannot lift a lockout in force; within each group the oldest last failure goes first.
        private mutating func prune(at now: Date) {
            entries = entries.filter { _, entry in
                isLocked(entry, at: now) || entry.failures.contains { now.timeIntervalSince($0) < window }
            }
            guard entries.count >= capacity else { return }
            let keep = capacity - max(1, capacity / 10)
            let byPriority = entries.sorted { first, second in
                let (firstLocked, secondLocked) = (isLocked(first.value, at: now), isLocked(second.value, at: now))
                if firstLocked != secondLocked { return firstLocked }
                return first.value.lastFailure > second.value.lastFailure
            }
            entries = Dictionary(uniqueKeysWithValues: byPriority.prefix(keep).map { ($0.key, $0.value) })
        }

        private func isLocked(_ entry: Entry, at now: Date) -> Bool {
            entry.lockedUntil.map { $0 > now } ?? false
        }
    }
}

import Scheduler

extension JobFileReloader {
    /// When to read the jobs folder again, from what happened: no I/O and no clock of its own, so tested alone.
    ///
    /// A change in the folder waits for the folder to be quiet (editors and `kubectl` write several entries in a
    /// burst, and a half-written set must not be judged), at most ``longestDelay`` after the first change. A request
    /// (`nomaly jobs reload`, SIGHUP) is due at once and takes any pending change with it. A failed write is tried again
    /// after ``retryDelay``.
    struct Schedule {
        /// How long the folder must be quiet after a change.
        var quietPeriod: Duration = .milliseconds(500)
        /// The longest a change waits for quiet.
        var longestDelay: Duration = .seconds(5)
        /// How long after a failed write it is tried again.
        var retryDelay: Duration = .seconds(5)

        /// A reload that is due: what asked for it, and the requests (`nomaly jobs reload` ids) to answer.
        struct Due: Equatable {
            var triggers: Set<JobReloadTrigger>
            var requests: [String]

            /// The trigger a reload is counted and logged under: the most deliberate one.
            var trigger: JobReloadTrigger {
                [.request, .signal, .start, .files, .retry].first(where: triggers.contains) ?? .files
            }
        }

        private var pending: Due?
        private var firstChange: ContinuousClock.Instant?
        private var lastChange: ContinuousClock.Instant?
        private var asked: ContinuousClock.Instant?

        /// An entry of the folder changed at `now`.
        mutating func folderChanged(at now: ContinuousClock.Instant) {
            add(.files)
            firstChange = firstChange ?? now
            lastChange = now
        }

        /// A reload was asked for (by `trigger`, with the request's id when it came from `nomaly jobs reload`).
        mutating func asked(by trigger: JobReloadTrigger, request: String? = nil, at now: ContinuousClock.Instant) {
            add(trigger)
            if let request { pending?.requests.append(request) }
            asked = min(asked ?? now, now)
        }

        /// The database refused a reload at `now`: try again later, unless something else asks first.
        mutating func failed(at now: ContinuousClock.Instant) {
            add(.retry)
            asked = min(asked ?? now + retryDelay, now + retryDelay)
        }

        /// When the next reload is due; nil when nothing waits.
        var dueAt: ContinuousClock.Instant? {
            guard pending != nil else { return nil }
            let forChanges = firstChange.flatMap { first in lastChange.map { min($0 + quietPeriod, first + longestDelay) } }
            switch (asked, forChanges) {
            case (let asked?, let changes?): return min(asked, changes)
            case (let asked?, nil): return asked
            case (nil, let changes?): return changes
            case (nil, nil): return nil
            }
        }

        /// The reload due at `now`, if one is, which then no longer waits.
        mutating func take(at now: ContinuousClock.Instant) -> Due? {
            guard let dueAt, dueAt <= now, let due = pending else { return nil }
            pending = nil
            firstChange = nil
            lastChange = nil
            asked = nil
            return due
        }

        private mutating func add(_ trigger: JobReloadTrigger) {
            if pending == nil { pending = Due(triggers: [], requests: []) }
            pending?.triggers.insert(trigger)
        }
    }
}

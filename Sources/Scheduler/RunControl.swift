import Foundation
import Synchronization

/// Why a run was stopped before it finished by itself.
package enum StopReason: Sendable, Equatable {
    /// It ran past its job's `timeout`.
    case timeout(Duration)
    /// An operator (or `concurrency: replace`) asked for it to stop.
    case cancelled(String)
    /// Another replica's reaper took the run: this worker must stop and write nothing.
    case leaseLost
    /// This replica is shutting down and its grace period ran out.
    case shutdown
}

/// Runs a job's work in a task of its own that can be stopped from outside (timeout, heartbeat, shutdown),
/// and remembers the first reason it was stopped for.
final class RunControl: Sendable {
    private struct State {
        var reason: StopReason?
        var work: Task<RunOutcome, any Error>?
    }

    private let state = Mutex(State())

    var stopReason: StopReason? { state.withLock { $0.reason } }

    /// Stops the run; the first reason wins.
    func stop(_ reason: StopReason) {
        let work = state.withLock { state -> Task<RunOutcome, any Error>? in
            if state.reason == nil { state.reason = reason }
            return state.work
        }
        work?.cancel()
    }

    /// Runs `body`, stopping it after `timeout`.
    func run(timeout: Duration?, _ body: @escaping @Sendable () async throws -> RunOutcome) async -> Result<RunOutcome, any Error> {
        let work = Task { try await body() }
        let alreadyStopped = state.withLock { state -> Bool in
            state.work = work
            return state.reason != nil
        }
        if alreadyStopped { work.cancel() }
        let timer = timeout.map { limit in
            Task { [weak self] in
                try await Task.sleep(for: limit)
                self?.stop(.timeout(limit))
            }
        }
        let result = await work.result
        timer?.cancel()
        return result
    }
}

/// Wakes a sleeping loop early: a new manual run, a cancellation, a worker slot that freed up. One loop waits on each.
actor Doorbell {
    private var rung = false
    private var waiter: CheckedContinuation<Void, Never>?

    func ring() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            rung = true
        }
    }

    /// Returns when rung, at `deadline`, or when the waiting task is cancelled, whichever comes first: a loop that
    /// waits here stops at once on shutdown.
    func wait(until deadline: ContinuousClock.Instant) async {
        if rung || Task.isCancelled {
            rung = false
            return
        }
        let alarm = Task {
            try await Task.sleep(until: deadline)
            self.ring()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter = $0 }
        } onCancel: {
            Task { await self.ring() }
        }
        alarm.cancel()
        rung = false
    }
}

import Synchronization

/// Runs `work` in a task of its own and returns its result, or nil once `timeout` has passed. Unlike a task group,
/// it does not wait for work that ignores cancellation (a libpq call stuck on a dead network) to wind down: the work
/// is cancelled and left to finish on its own, so a probe or a scrape answers on time whatever the database does.
func result<Value: Sendable>(within timeout: Duration, of work: @escaping @Sendable () async -> Value) async -> Value? {
    let outcome = FirstOutcome<Value?>()
    return await withCheckedContinuation { continuation in
        outcome.install(continuation)
        let worker = Task { outcome.resume(with: await work()) }
        Task {
            try? await Task.sleep(for: timeout)
            worker.cancel()
            outcome.resume(with: nil)
        }
    }
}

/// Resumes a continuation with whichever outcome comes first; later ones are dropped.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, Never>?>(nil)

    /// Called before any outcome can arrive: both tasks are created after it.
    func install(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(with value: Value) {
        let first = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        first?.resume(returning: value)
    }
}

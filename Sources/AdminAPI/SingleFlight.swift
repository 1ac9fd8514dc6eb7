/// At most one run of some work at a time: callers arriving while it runs share it and its result (one metrics
/// collection, one round of readiness probes), so a burst of callers costs the database one round.
actor SingleFlight<Value: Sendable> {
    private var running: Task<Value, Never>?

    func join(_ work: @escaping @Sendable () async -> Value) -> Task<Value, Never> {
        if let running { return running }
        let task = Task {
            let value = await work()
            self.finish()
            return value
        }
        running = task
        return task
    }

    private func finish() { running = nil }
}

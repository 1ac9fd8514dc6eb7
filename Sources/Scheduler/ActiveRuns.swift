import Foundation

/// The runs this replica is executing, with what the heartbeat and shutdown need to reach them.
actor ActiveRuns {
    struct Entry: Sendable {
        let id: Int64
        let jobName: String
        let token: UUID
        let control: RunControl
        let log: RunLog
        var savedLogVersion: Int
    }

    private var entries: [Int64: Entry] = [:]
    private var emptyWaiters: [CheckedContinuation<Void, Never>] = []

    var count: Int { entries.count }

    func add(_ entry: Entry) { entries[entry.id] = entry }

    func remove(_ id: Int64) {
        entries.removeValue(forKey: id)
        if entries.isEmpty {
            for waiter in emptyWaiters { waiter.resume() }
            emptyWaiters.removeAll()
        }
    }

    func leases() -> [Entry] { Array(entries.values) }

    func markLogSaved(_ id: Int64, version: Int) { entries[id]?.savedLogVersion = version }

    func stopAll(_ reason: StopReason) {
        for entry in entries.values { entry.control.stop(reason) }
    }

    func waitUntilEmpty() async {
        if entries.isEmpty { return }
        await withCheckedContinuation { emptyWaiters.append($0) }
    }
}

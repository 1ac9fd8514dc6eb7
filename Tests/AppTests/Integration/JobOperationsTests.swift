import App
import Foundation
import Postgres
import Scheduler
import TestSupport
import Testing

/// `JobOperations` over a real database: what `nomaly jobs show`, `history`, `run --wait --timeout` and `cancel` read
/// and change (their binary-level tests cover list, trigger, logs, pause and resume).
@Suite("Job operations")
struct JobOperationsTests {
    func withJob(_ body: (JobOperations) async throws -> Void) async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let spec = try JobSpecLoader(kinds: nil).load(
                "kind: command\nschedule: \"30 2 * * *\"\ntimezone: Europe/Berlin\nwith: {command: [\"true\"]}\n",
                file: "jobs/nightly.yaml",
                defaultName: "nightly"
            )
            _ = try await RunStore(pool: pool).syncCatalog([spec], removeMissing: false)
            try await body(JobOperations(store: RunStore(pool: pool)))
        }
    }

    @Test("details: the schedule in words, five fire times in the job's zone, the newest runs; JSON keeps its keys")
    func details() async throws {
        try await withJob { jobs in
            let id = try await jobs.trigger("nightly")
            let now = Date(timeIntervalSince1970: 1_790_000_000)
            let details = try await jobs.details(of: "nightly", now: now)
            #expect(details.name == "nightly")
            #expect(details.timeZone?.identifier == "Europe/Berlin")
            #expect(details.explanation.contains("02:30"))
            #expect(details.nextFires.count == 5)
            #expect(details.nextFires.allSatisfy { $0 > now })
            #expect(details.recentRuns.map(\.id) == [id])
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let object = try JSONSerialization.jsonObject(with: encoder.encode(details)) as? [String: Any]
            #expect(Set(object?.keys.map { $0 } ?? []) == ["name", "spec", "paused", "enabled", "explanation", "next_fires", "recent_runs"])
        }
    }

    @Test("history of an unknown job is an error, not an empty list; a limit below 1 means 1")
    func history() async throws {
        try await withJob { jobs in
            await #expect(throws: (any Error).self) { try await jobs.history(of: "absent", status: nil, limit: 20) }
            _ = try await jobs.trigger("nightly")
            _ = try await jobs.trigger("nightly")
            #expect(try await jobs.history(of: "nightly", status: nil, limit: 0).count == 1)
            #expect(try await jobs.history(of: "nightly", status: .queued, limit: 20).count == 2)
            #expect(try await jobs.history(of: "nightly", status: .running, limit: 20).isEmpty)
        }
    }

    @Test("waiting past the timeout returns the run as it is, not final; a cancelled run ends the wait")
    func waitAndCancel() async throws {
        try await withJob { jobs in
            let id = try await jobs.trigger("nightly")
            var unclaimed = 0
            let pending = try await jobs.waitForEnd(of: id, timeout: .milliseconds(300)) { unclaimed += 1 }
            #expect(pending.id == id)
            #expect(pending.status == .queued)
            #expect(unclaimed == 0)
            #expect(try await jobs.cancel(id, reason: "test") == .cancelled)
            let ended = try await jobs.waitForEnd(of: id, timeout: nil) { unclaimed += 1 }
            #expect(ended.status == .cancelled)
            #expect(try await jobs.logs(of: id).record.status == .cancelled)
        }
    }
}

import Foundation
import Postgres
import Scheduler
import TestSupport
import Testing

@Suite("Writing a new set of job files into the catalogue (real Postgres)")
struct CatalogReloadTests {
    let daily = "kind: recording\nschedule: \"@daily\"\n"
    let hourly = "kind: recording\nschedule: \"@hourly\"\n"

    @Test("applyCatalog says which jobs were added, changed, removed and left as they were, and writes exactly that")
    func changes() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let first = try await store.applyCatalog([try spec(daily, name: "b"), try spec(daily, name: "a")], removeMissing: true)
            #expect(first == CatalogChanges(added: ["a", "b"]))
            #expect(first.summary == "2 added (a, b), 0 changed, 0 removed, 0 unchanged")

            let second = try await store.applyCatalog(
                [try spec(daily, name: "a"), try spec(hourly, name: "b"), try spec(daily, name: "c")],
                removeMissing: true
            )
            #expect(second == CatalogChanges(added: ["c"], changed: ["b"], unchanged: ["a"]))
            let third = try await store.applyCatalog([try spec(daily, name: "a")], removeMissing: true)
            #expect(third == CatalogChanges(removed: ["b", "c"], unchanged: ["a"]))
            #expect(try await store.applyCatalog([try spec(daily, name: "a")], removeMissing: true).isEmpty)
            // A job back after its removal is added again, even with the spec it had.
            let back = try await store.applyCatalog([try spec(daily, name: "a"), try spec(daily, name: "c")], removeMissing: true)
            #expect(back == CatalogChanges(added: ["c"], unchanged: ["a"]))
            #expect(try await store.syncCatalog([try spec(hourly, name: "c"), try spec(daily, name: "a")], removeMissing: true) == ["c"])
        }
    }

    @Test("a set that takes an API job's name is refused whole: nothing of it is written, nothing is retired")
    func refusedWhole() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            try await store.applyCatalog([try spec(daily, name: "kept")], removeMissing: true)
            let stored = {
                try await pool.query("SELECT name, spec_hash FROM jobs WHERE origin = 'file' AND removed_at IS NULL ORDER BY name").decode(Row.self)
            }
            let before = try await stored()
            let set = [try spec(hourly, name: "kept"), try spec(daily, name: "new"), try spec(daily, name: RunStore.apiScoringJob)]
            let error = await #expect(throws: SchedulerError.self) { try await store.applyCatalog(set, removeMissing: true) }
            #expect(error?.code == .reservedJobName)
            #expect(try await stored() == before)
        }
    }

    struct Row: Decodable, Equatable {
        let name: String
        let specHash: String
    }

    @Test("a removed job's run that fails is not retried: nothing of a removed job runs after its running run")
    func noRetryAfterRemoval() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let store = RunStore(pool: pool)
            let job = try spec(daily + "retries: {max: 3, initial: 1s}\n", name: "gone")
            try await store.applyCatalog([job], removeMissing: true)
            let id = try await store.trigger(job: "gone")
            let claimed = try #require(try await store.claim(limit: 1, worker: "a", lease: .seconds(30)).first)
            #expect(claimed.id == id)
            try await store.applyCatalog([], removeMissing: true)
            let recorded = try await store.complete(
                runID: claimed.id,
                token: claimed.leaseToken,
                .init(status: .failed, error: "boom", retryAt: Date())
            )
            #expect(recorded, "the running run of a removed job still records how it ended")
            let runs = try await pool.query("SELECT count(*) FROM job_runs WHERE job_name = 'gone'").first!.decode(Int.self)
            #expect(runs == 1, "no retry may be queued for a removed job")
        }
    }
}

import Foundation
import Scheduler
import Testing

@Suite("Slot planning, misfires and retries (no I/O)")
struct SlotPlannerTests {
    let planner = SlotPlanner(lookahead: 3)
    let noon = Date(timeIntervalSince1970: 1_795_953_600)  // 2026-11-29T12:00:00Z

    func job(_ extra: String = "", schedule: String = "* * * * *") throws -> JobSpec {
        try spec("kind: recording\nschedule: \"\(schedule)\"\n" + extra)
    }

    @Test("a new job queues nothing and starts counting now")
    func newJob() throws {
        let plan = planner.plan(try job(), scheduledThrough: nil, paused: false, now: noon)
        #expect(plan.slots.isEmpty)
        #expect(plan.scheduledThrough == noon)
    }

    @Test("regular slots are queued ahead by the look-ahead and never twice")
    func regular() throws {
        let every = try job(schedule: "* * * * * *")
        let first = planner.plan(every, scheduledThrough: noon, paused: false, now: noon.addingTimeInterval(1.5))
        #expect(first.slots.map(\.scheduledAt) == (1...4).map { noon.addingTimeInterval(Double($0)) })
        #expect(first.slots.allSatisfy { $0.trigger == "schedule" })
        #expect(first.scheduledThrough == noon.addingTimeInterval(4.5))
        let second = planner.plan(every, scheduledThrough: first.scheduledThrough, paused: false, now: noon.addingTimeInterval(2.5))
        #expect(second.slots.map(\.scheduledAt) == [noon.addingTimeInterval(5)])
    }

    @Test("after downtime: skip drops missed slots, run_once keeps the last, catch_up the last max_catchup")
    func misfire() throws {
        let down = noon.addingTimeInterval(-3 * 3600)
        let skip = planner.plan(try job("misfire: skip\n"), scheduledThrough: down, paused: false, now: noon)
        #expect(skip.slots.allSatisfy { $0.trigger == "schedule" })
        #expect(skip.slots.first?.scheduledAt == noon.addingTimeInterval(-60))
        let once = planner.plan(try job("misfire: run_once\n"), scheduledThrough: down, paused: false, now: noon)
        #expect(once.slots.filter { $0.trigger == "catchup" }.map(\.scheduledAt) == [noon.addingTimeInterval(-120)])
        let catchUp = planner.plan(try job("misfire: catch_up\nmax_catchup: 3\n"), scheduledThrough: down, paused: false, now: noon)
        #expect(catchUp.slots.filter { $0.trigger == "catchup" }.map(\.scheduledAt) == [-240.0, -180, -120].map { noon.addingTimeInterval($0) })
        // The grace period follows starting_deadline: within it a late slot is still a regular one.
        let lenient = planner.plan(try job("starting_deadline: 10m\nmisfire: skip\n"), scheduledThrough: down, paused: false, now: noon)
        #expect(lenient.slots.first?.scheduledAt == noon.addingTimeInterval(-600))
    }

    @Test("a week of downtime for an every-second job plans only what the policy keeps")
    func longOutage() throws {
        let job = try job("misfire: catch_up\nmax_catchup: 5\n", schedule: "* * * * * *")
        let plan = planner.plan(job, scheduledThrough: noon.addingTimeInterval(-7 * 86_400), paused: false, now: noon)
        #expect(plan.slots.filter { $0.trigger == "catchup" }.count == 5)
        // The minute of grace (both ends included) and three seconds ahead.
        #expect(plan.slots.filter { $0.trigger == "schedule" }.count == 64)
    }

    @Test("a paused or disabled job queues nothing and keeps its place")
    func paused() throws {
        let last = noon.addingTimeInterval(-30)
        let paused = planner.plan(try job(), scheduledThrough: last, paused: true, now: noon)
        #expect(paused.slots.isEmpty)
        #expect(paused.scheduledThrough == last)
        let disabled = planner.plan(try job("enabled: false\n"), scheduledThrough: last, paused: false, now: noon)
        #expect(disabled.slots.isEmpty)
    }

    @Test("jitter delays a start within its window")
    func jitter() {
        #expect(SlotPlanner.notBefore(noon, jitter: nil) == noon)
        #expect(SlotPlanner.notBefore(noon, jitter: .seconds(30), random: 0.5) == noon.addingTimeInterval(15))
        for _ in 0..<100 {
            let start = SlotPlanner.notBefore(noon, jitter: .seconds(30))
            #expect(start >= noon && start < noon.addingTimeInterval(30))
        }
    }

    @Test("retry delays grow exponentially, are capped, and jitter within their upper half")
    func retries() throws {
        let retries = try job("retries: {max: 3, initial: 10s, max_delay: 1m}\n").retries
        #expect(retries.delay(afterAttempt: 1, random: 1) == .seconds(10))
        #expect(retries.delay(afterAttempt: 1, random: 0) == .seconds(5))
        #expect(retries.delay(afterAttempt: 3, random: 1) == .seconds(40))
        #expect(retries.delay(afterAttempt: 9, random: 1) == .seconds(60))
        #expect(retries.allowsRetry(afterAttempt: 3))
        #expect(!retries.allowsRetry(afterAttempt: 4))
        #expect(!(try job()).retries.allowsRetry(afterAttempt: 1))
    }
}

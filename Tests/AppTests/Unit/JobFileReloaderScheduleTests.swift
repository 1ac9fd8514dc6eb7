import Scheduler
import Testing

@testable import App

/// When the daemon reads jobs/ again, as a function of what happened (no clock, no files).
@Suite("JobFileReloader.Schedule")
struct JobFileReloaderScheduleTests {
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test("nothing is due until something happens")
    func idle() {
        var schedule = JobFileReloader.Schedule()
        #expect(schedule.dueAt == nil)
        #expect(schedule.take(at: at(10_000)) == nil)
    }

    @Test("a change in the folder waits until the folder has been quiet for the quiet period")
    func debounced() {
        var schedule = JobFileReloader.Schedule()
        schedule.folderChanged(at: at(0))
        schedule.folderChanged(at: at(300))
        #expect(schedule.dueAt == at(800))
        #expect(schedule.take(at: at(799)) == nil, "a burst of writes is judged once, after it")
        let due = schedule.take(at: at(800))
        #expect(due?.triggers == [.files])
        #expect(due?.trigger == .files)
        #expect(schedule.dueAt == nil, "a taken reload no longer waits")
    }

    @Test("a folder that never goes quiet is reloaded after the longest delay anyway")
    func longestDelay() {
        var schedule = JobFileReloader.Schedule()
        for milliseconds in stride(from: 0, through: 6_000, by: 400) { schedule.folderChanged(at: at(milliseconds)) }
        #expect(schedule.dueAt == at(5_000))
    }

    @Test("SIGHUP and `nomaly jobs reload` are due at once and take pending changes and every request along")
    func askedNow() {
        var schedule = JobFileReloader.Schedule()
        schedule.folderChanged(at: at(0))
        schedule.asked(by: .request, request: "r1", at: at(100))
        schedule.asked(by: .signal, at: at(150))
        schedule.asked(by: .request, request: "r2", at: at(200))
        #expect(schedule.dueAt == at(100))
        let due = schedule.take(at: at(200))
        #expect(due?.triggers == [.files, .request, .signal])
        #expect(due?.requests == ["r1", "r2"], "every request is answered by the one reload")
        #expect(due?.trigger == .request, "counted under the most deliberate trigger")
        #expect(schedule.take(at: at(10_000)) == nil)
    }

    @Test("a failed write is tried again after the retry delay, or sooner when asked")
    func retry() {
        var schedule = JobFileReloader.Schedule()
        schedule.failed(at: at(0))
        #expect(schedule.dueAt == at(5_000))
        #expect(schedule.take(at: at(4_999)) == nil)
        #expect(schedule.take(at: at(5_000))?.trigger == .retry)

        schedule.failed(at: at(10_000))
        schedule.asked(by: .signal, at: at(11_000))
        #expect(schedule.dueAt == at(11_000))
        #expect(schedule.take(at: at(11_000))?.triggers == [.retry, .signal])
    }

    @Test("only what the loader reads and what Kubernetes swaps counts as a change of the job files")
    func jobFileNames() {
        for name in ["nightly.yaml", "hourly.yml", "..data", "..2026_01_01_00_00_00.123", "..data_tmp"] {
            #expect(JobFileReloader.isJobFile(name), "\(name)")
        }
        for name in ["nightly.yaml.swp", "4913", "nightly.yaml~", "README.md", ".nightly.yaml.swx"] {
            #expect(!JobFileReloader.isJobFile(name), "\(name)")
        }
    }
}

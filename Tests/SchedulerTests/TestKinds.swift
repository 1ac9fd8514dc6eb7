import Foundation
import JSONValues
import Scheduler
import Synchronization

/// A kind for tests: records every run, sleeps `seconds`, and fails when `fail: true`.
struct RecordingKind: JobKind {
    let name = "recording"
    let recorder: Recorder

    func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        let seconds = settings.duration("sleep") ?? .zero
        let fail = settings.bool("fail") ?? false
        try settings.stopIfInvalid()
        return Run(recorder: recorder, sleep: seconds, fail: fail)
    }

    struct Run: JobRunnable {
        let recorder: Recorder
        let sleep: Duration
        let fail: Bool

        func run(_ context: RunContext) async throws -> RunOutcome {
            recorder.record(context.runID)
            context.log.append(line: "run \(context.runID) attempt \(context.attempt)")
            // The subject of the tests that set `sleep`: a run that takes time (overlap, leases, shutdown grace).
            try await Task.sleep(for: sleep)
            if fail { throw JobFailure("asked to fail", exitCode: 3) }
            return RunOutcome(result: .object(["attempt": .integer(Int64(context.attempt))]))
        }
    }
}

final class Recorder: Sendable {
    private let runs = Mutex<[Int64]>([])
    func record(_ id: Int64) { runs.withLock { $0.append(id) } }
    var all: [Int64] { runs.withLock { $0 } }
}

func spec(_ yaml: String, name: String = "job", kinds: JobKindRegistry? = JobKindRegistry([RecordingKind(recorder: Recorder())])) throws -> JobSpec {
    try JobSpecLoader(kinds: kinds).load(yaml, file: "jobs/\(name).yaml", defaultName: name)
}

package import Foundation
package import JSONValues
package import Logging

/// A kind of job (`command`, `vacuum`, later `train`, `score`, `backup`…). Adding a kind is one new type.
///
/// `prepare` runs when a spec is loaded (so `nomaly check` reports bad settings by key) and again when a run
/// starts, on whichever replica claimed it.
package protocol JobKind: Sendable {
    /// The `kind:` value in job files.
    var name: String { get }
    /// Reads and checks the `with:` settings; unknown keys are refused by the caller after this returns.
    ///
    /// Read every setting before judging any, and report each mistake with ``JobSettings/report(_:)`` rather than
    /// throwing it, so that one pass over a file finds them all (docs/jobs.md); then
    /// ``JobSettings/stopIfInvalid()`` before building the run, which is only ever made from valid settings.
    func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable
}

/// One prepared job, ready to run.
package protocol JobRunnable: Sendable {
    /// Does the work. Must stop promptly when the task is cancelled (timeout, `jobs cancel`, lease lost).
    /// - Returns: what to record with the run.
    /// - Throws: any error: the run failed, with the error's description as its reason.
    func run(_ context: RunContext) async throws -> RunOutcome
}

/// What a run knows about itself.
package struct RunContext: Sendable {
    package let job: JobSpec
    package let runID: Int64
    package let attempt: Int
    package let scheduledAt: Date
    package let trigger: String
    package let logger: Logger
    /// Output worth keeping with the run (bounded: only the tail is stored).
    package let log: RunLog

    package init(job: JobSpec, runID: Int64, attempt: Int, scheduledAt: Date, trigger: String, logger: Logger, log: RunLog) {
        self.job = job
        self.runID = runID
        self.attempt = attempt
        self.scheduledAt = scheduledAt
        self.trigger = trigger
        self.logger = logger
        self.log = log
    }
}

/// What a finished run reports.
package struct RunOutcome: Sendable {
    /// Stored as the run's `result` jsonb.
    package var result: JSONValue?
    package var exitCode: Int32?

    package init(result: JSONValue? = nil, exitCode: Int32? = nil) {
        self.result = result
        self.exitCode = exitCode
    }
}

/// A failure a kind reports with its exit code and what it produced.
package struct JobFailure: Error, Sendable, CustomStringConvertible {
    package let message: String
    package let exitCode: Int32?
    package let result: JSONValue?

    package init(_ message: String, exitCode: Int32? = nil, result: JSONValue? = nil) {
        self.message = message
        self.exitCode = exitCode
        self.result = result
    }

    package var description: String { message }
}

/// The kinds this process can run, by name.
package struct JobKindRegistry: Sendable {
    private let kinds: [String: any JobKind]

    package init(_ kinds: [any JobKind]) {
        self.kinds = Dictionary(kinds.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    package subscript(name: String) -> (any JobKind)? { kinds[name] }

    package var names: [String] { kinds.keys.sorted() }
}

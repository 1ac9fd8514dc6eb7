public import Foundation
public import JSONValues
public import Logging

/// A kind of job (`command`, `vacuum`, later `train`, `score`, `backup`…). Adding a kind is one new type.
///
/// `prepare` runs when a spec is loaded (so `nomaly check` reports bad settings by key) and again when a run
/// starts, on whichever replica claimed it.
public protocol JobKind: Sendable {
    /// The `kind:` value in job files.
    var name: String { get }
    /// Reads and checks the `with:` settings; unknown keys are refused by the caller after this returns.
    func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable
}

/// One prepared job, ready to run.
public protocol JobRunnable: Sendable {
    /// Does the work. Must stop promptly when the task is cancelled (timeout, `jobs cancel`, lease lost).
    /// - Returns: what to record with the run.
    /// - Throws: any error: the run failed, with the error's description as its reason.
    func run(_ context: RunContext) async throws -> RunOutcome
}

/// What a run knows about itself.
public struct RunContext: Sendable {
    public let job: JobSpec
    public let runID: Int64
    public let attempt: Int
    public let scheduledAt: Date
    public let trigger: String
    public let logger: Logger
    /// Output worth keeping with the run (bounded: only the tail is stored).
    public let log: RunLog

    public init(job: JobSpec, runID: Int64, attempt: Int, scheduledAt: Date, trigger: String, logger: Logger, log: RunLog) {
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
public struct RunOutcome: Sendable {
    /// Stored as the run's `result` jsonb.
    public var result: JSONValue?
    public var exitCode: Int32?

    public init(result: JSONValue? = nil, exitCode: Int32? = nil) {
        self.result = result
        self.exitCode = exitCode
    }
}

/// A failure a kind reports with its exit code and what it produced.
public struct JobFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let exitCode: Int32?
    public let result: JSONValue?

    public init(_ message: String, exitCode: Int32? = nil, result: JSONValue? = nil) {
        self.message = message
        self.exitCode = exitCode
        self.result = result
    }

    public var description: String { message }
}

/// The kinds this process can run, by name.
public struct JobKindRegistry: Sendable {
    private let kinds: [String: any JobKind]

    public init(_ kinds: [any JobKind]) {
        self.kinds = Dictionary(kinds.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(name: String) -> (any JobKind)? { kinds[name] }

    public var names: [String] { kinds.keys.sorted() }
}

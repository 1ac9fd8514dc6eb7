import FileSystem
import Foundation

extension ChildProcess {
    /// Runs a program from start to exit the one way every program that may run for long is run here (command jobs,
    /// `pg_dump`, `pg_restore`):
    ///
    /// 1. it starts in a process group of its own, with descriptors 0, 1 and 2 only (``spawn(_:environment:workingDirectory:newProcessGroup:standardInput:)``);
    /// 2. `body` gets it on a thread of its own (`nomaly.child`) and reads its output as it arrives
    ///    (``stream(lingering:_:)``, ``streamSeparately(lingering:_:)``) until it exits;
    /// 3. cancelling the waiting task stops the group: SIGTERM, then SIGKILL `killGrace` later (``stop(killGrace:)``);
    /// 4. once `body` is done, whatever the program left running in its group gets SIGTERM. A program `body` did not
    ///    wait for (it threw first) is killed with its group and reaped: none outlives the call or lingers as a zombie.
    ///
    /// The thread is the child's for as long as it runs, as a libpq connection has one: a program may run for hours
    /// and may itself call this process (a command job using the HTTP API), so its reader must neither hold a thread
    /// of the shared blocking pool nor queue for one (docs/architecture.md, "Where blocking work runs").
    ///
    /// ```swift
    /// let status = try await ChildProcess.supervise(["/usr/local/bin/rotate-logs"], killGrace: .seconds(10)) { child in
    ///     child.stream { bytes in log.append(bytes) }
    /// }
    /// ```
    /// - Parameters:
    ///   - environment: the child's whole environment; the parent's when nil.
    ///   - workingDirectory: where the child starts; the parent's when nil.
    ///   - standardInput: an open descriptor the child reads as its standard input (it gets its own copy; the caller
    ///     still closes this one); `/dev/null` when nil.
    ///   - killGrace: how long the group has after SIGTERM before SIGKILL, when the task is cancelled.
    ///   - body: runs on the child's thread; may block. It should read the output to the end (which reaps the child).
    /// - Returns: what `body` returns.
    /// - Throws: ``ChildProcessError`` when the program cannot start; what `body` throws.
    package static func supervise<Value: Sendable>(
        _ arguments: [String],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        standardInput: Int32? = nil,
        killGrace: Duration,
        _ body: @escaping @Sendable (ChildProcess) throws -> Value
    ) async throws -> Value {
        // A task cancelled before its program starts starts none (a backup cancelled before its dump, a job
        // cancelled while it waited for a worker).
        try Task.checkCancellation()
        let child = try spawn(
            arguments,
            environment: environment,
            workingDirectory: workingDirectory,
            newProcessGroup: true,
            standardInput: standardInput
        )
        return try await withTaskCancellationHandler {
            try await DedicatedThread.run(named: "nomaly.child") {
                defer { child.endSupervision() }
                return try body(child)
            }
        } onCancel: {
            child.stop(killGrace: killGrace)
        }
    }

    /// Stops the child's process group (spawned with `newProcessGroup`): SIGTERM now, and SIGKILL `killGrace` later to
    /// whatever is left of the group then, the child's descendants included, even once the child itself has exited.
    package func stop(killGrace: Duration) {
        signalGroup(SIGTERM)
        Task {
            try? await Task.sleep(for: killGrace)
            signalGroup(SIGKILL)
        }
    }

    /// After `body`: a child still unreaped is killed with its group and reaped (a descendant that left the group and
    /// holds the pipes delays this by the lingering second only); then what the child left in its group gets SIGTERM.
    private func endSupervision() {
        if !isReaped {
            signalGroup(SIGKILL)
            _ = stream { _ in }
        }
        signalGroup(SIGTERM)
    }
}

import FileSystem
import Foundation

/// A program started with `posix_spawn`, with its standard output and error captured through pipes.
///
/// We do not use Foundation's `Process`: its exit monitoring relies on a run loop and a SIGCHLD source,
/// and it hung here when driven from a blocking thread pool.
///
/// Invariant: one user at a time — `collect()` or `stream` reads the pipes and reaps the child once; `signal(_:)` and
/// `signalGroup(_:)` may be called from anywhere. ``supervise(_:environment:workingDirectory:standardInput:killGrace:_:)`` runs the
/// whole lifecycle of a program that may run for long.
///
/// ```swift
/// let result = try ChildProcess.run(["/usr/bin/pg_dump", "--version"])
/// print(result.status, result.standardOutput)
/// ```
package final class ChildProcess: @unchecked Sendable {
    package struct Result: Sendable {
        /// The exit status; a child killed by a signal reports 128 + the signal, as shells do.
        package let status: Int32
        package let standardOutput: String
        package let standardError: String
        /// Both streams, in the order they arrived (line order is kept only when the child flushes per line).
        package let combinedOutput: String
    }

    package let pid: Int32
    private var outputDescriptor: Int32
    private var errorDescriptor: Int32
    private var reaped = false

    private init(pid: Int32, outputDescriptor: Int32, errorDescriptor: Int32) {
        self.pid = pid
        self.outputDescriptor = outputDescriptor
        self.errorDescriptor = errorDescriptor
    }

    deinit {
        if outputDescriptor >= 0 { close(outputDescriptor) }
        if errorDescriptor >= 0 { close(errorDescriptor) }
    }

    /// Starts `arguments[0]` (an absolute path, or a name looked up in PATH).
    /// - Parameters:
    ///   - environment: the child's whole environment; the parent's when nil.
    ///   - workingDirectory: where the child starts; the parent's when nil.
    ///   - newProcessGroup: put the child in its own process group, so `signalGroup` reaches its descendants too.
    ///   - standardInput: an open descriptor the child reads as its standard input (it gets its own copy; the caller
    ///     still closes this one); `/dev/null` when nil.
    package static func spawn(
        _ arguments: [String],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        newProcessGroup: Bool = false,
        standardInput: Int32? = nil
    ) throws -> ChildProcess {
        precondition(!arguments.isEmpty, "a command needs at least the program")
        let output = try makePipe()
        let error: [Int32]
        do { error = try makePipe() } catch {
            close(output[0])
            close(output[1])
            throw error
        }
        defer {
            close(output[1])
            close(error[1])
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, error[1], 2)
        // Whatever else is open here without close-on-exec (a library's socket, a descriptor opened by a thread
        // that did not ask for O_CLOEXEC) must not reach a job's command: it gets 0, 1 and 2 and nothing more.
        GlibcExtensions.closeDescriptorsFromThree(&actions)
        if let workingDirectory {
            guard let addChdir = GlibcExtensions.addChdir else {
                throw ChildProcessError(program: arguments[0], message: "this C library cannot set a child's working directory")
            }
            _ = addChdir(&actions, workingDirectory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A child must not inherit signals we block or ignore (the service lifecycle blocks SIGTERM/SIGINT).
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environmentStrings = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in environmentStrings ?? [] { free(pointer) } }

        var pid: pid_t = 0
        let status: Int32
        if let environmentStrings {
            status = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environmentStrings)
        } else {
            status = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        }
        guard status == 0 else {
            close(output[0])
            close(error[0])
            throw ChildProcessError(program: arguments[0], message: String(cString: strerror(status)))
        }
        return ChildProcess(pid: pid, outputDescriptor: output[0], errorDescriptor: error[0])
    }

    /// Runs a program to completion. Blocking.
    /// - Parameter standardInput: as for ``spawn(_:environment:workingDirectory:newProcessGroup:standardInput:)``.
    package static func run(
        _ arguments: [String],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        standardInput: Int32? = nil
    ) throws -> Result {
        try spawn(arguments, environment: environment, workingDirectory: workingDirectory, standardInput: standardInput).collect()
    }

    /// Sends a signal to the child.
    package func signal(_ signal: Int32) {
        if !reaped { kill(pid, signal) }
    }

    /// Sends a signal to the child's process group (spawned with `newProcessGroup`), even after the child itself
    /// exited: its descendants may live on in the group.
    package func signalGroup(_ signal: Int32) {
        kill(-pid, signal)
    }

    /// Reads both pipes to their end, then reaps the child. Blocking.
    package func collect() -> Result {
        var standardOutput: [UInt8] = []
        var standardError: [UInt8] = []
        var combined: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while outputDescriptor >= 0 || errorDescriptor >= 0 {
            var descriptors = [
                pollfd(fd: outputDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: errorDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&descriptors, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in 0..<2 where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(descriptors[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if index == 0 { standardOutput += buffer[0..<count] } else { standardError += buffer[0..<count] }
                    combined += buffer[0..<count]
                } else if count == 0 || errno != EINTR {
                    close(descriptors[index].fd)
                    if index == 0 { outputDescriptor = -1 } else { errorDescriptor = -1 }
                }
            }
        }
        return Result(
            status: waitForExit(),
            standardOutput: String(decoding: standardOutput, as: UTF8.self),
            standardError: String(decoding: standardError, as: UTF8.self),
            combinedOutput: String(decoding: combined, as: UTF8.self)
        )
    }

    private func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        reaped = true
        return Self.exitStatus(status)
    }

    // WIFEXITED and WEXITSTATUS are macros Swift cannot import.
    static func exitStatus(_ status: Int32) -> Int32 {
        (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    // MARK: For streaming and supervision (ChildProcess+Streaming.swift, ChildProcess+Supervision.swift)

    /// Whether the child was waited for; read by the thread that reads its output.
    var isReaped: Bool { reaped }

    var outputDescriptorForStreaming: Int32 { outputDescriptor }
    var errorDescriptorForStreaming: Int32 { errorDescriptor }

    func closeStreamingDescriptor(_ index: Int) {
        if index == 0, outputDescriptor >= 0 {
            close(outputDescriptor)
            outputDescriptor = -1
        } else if index == 1, errorDescriptor >= 0 {
            close(errorDescriptor)
            errorDescriptor = -1
        }
    }

    /// The exit status if the child has exited (reaping it), else nil. Does not block.
    func pollExit() -> Int32? {
        guard !reaped else { return nil }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        reaped = true
        return Self.exitStatus(status)
    }

    func waitForExitBlocking() -> Int32 {
        reaped ? 0 : waitForExit()
    }

    private static func makePipe() throws -> [Int32] {
        var descriptors: [Int32] = [-1, -1]
        // Close-on-exec from birth keeps our ends out of every other child, even one spawned by another thread
        // between pipe(2) and fcntl(2); dup2 in the file actions gives this child its own copy.
        guard SystemCalls.pipe2(&descriptors, O_CLOEXEC) == 0 else {
            throw ChildProcessError(program: "pipe", message: String(cString: strerror(errno)))
        }
        return descriptors
    }
}

/// A program could not be started.
package struct ChildProcessError: Error, Sendable, CustomStringConvertible {
    package let program: String
    package let message: String
    package var description: String { "cannot run \(program): \(message)" }
}

import Foundation

extension ChildProcess {
    /// Reads the child's stdout and stderr as they arrive, handing each chunk to `output`, until the child has
    /// exited and its pipes are drained. Blocking.
    ///
    /// A child that exits while a background descendant still holds its pipes open would otherwise keep us
    /// reading forever: after the exit, pipes are drained for at most `lingering` and then closed.
    /// - Returns: the exit status (128 + signal for a killed child).
    package func stream(lingering: Duration = .seconds(1), _ output: (UnsafeRawBufferPointer) -> Void) -> Int32 {
        streamSeparately(lingering: lingering) { _, bytes in output(bytes) }
    }

    /// Which pipe a chunk came from.
    package enum Stream: Sendable {
        case standardOutput
        case standardError
    }

    /// Like ``stream(lingering:_:)``, telling standard output from standard error: for programs whose output is data
    /// (`pg_dump` to stdout) and whose diagnostics must be kept apart. Blocking.
    package func streamSeparately(lingering: Duration = .seconds(1), _ output: (Stream, UnsafeRawBufferPointer) -> Void) -> Int32 {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var exitStatus: Int32?
        var drainDeadline: ContinuousClock.Instant?
        while true {
            var descriptors = [
                pollfd(fd: outputDescriptorForStreaming, events: Int16(POLLIN), revents: 0),
                pollfd(fd: errorDescriptorForStreaming, events: Int16(POLLIN), revents: 0),
            ]
            let open = descriptors.filter { $0.fd >= 0 }.count
            if open == 0 { break }
            if let drainDeadline, ContinuousClock.now >= drainDeadline { break }
            let ready = poll(&descriptors, 2, 100)
            if ready < 0 && errno != EINTR { break }
            for index in 0..<2 where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(descriptors[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    buffer.withUnsafeBytes {
                        output(index == 0 ? .standardOutput : .standardError, UnsafeRawBufferPointer(rebasing: $0[0..<count]))
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    closeStreamingDescriptor(index)
                }
            }
            if exitStatus == nil, let status = pollExit() {
                exitStatus = status
                drainDeadline = ContinuousClock.now + lingering
            }
        }
        closeStreamingDescriptor(0)
        closeStreamingDescriptor(1)
        return exitStatus ?? waitForExitBlocking()
    }
}

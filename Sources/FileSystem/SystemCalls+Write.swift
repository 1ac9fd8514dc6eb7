import Foundation

extension SystemCalls {
    /// Writes all of `bytes` to `descriptor`, which may be a pipe, a socket or a device rather than a file. Blocking.
    ///
    /// A reader that went away makes the write fail with `EPIPE` instead of raising `SIGPIPE`, whose default action
    /// would end the process (the daemon, when a score job writes into a FIFO whose reader quit): the signal is
    /// blocked on this thread for the call, and one it raised is taken before the old mask returns. A descriptor
    /// shared with another process in non-blocking mode (`/dev/stdout` on a non-blocking pipe) is waited for instead
    /// of failing with `EAGAIN`.
    /// - Parameter context: what was being written, for the error (`cannot write /tmp/scores`).
    /// - Throws: ``FileSystemError`` with the system's reason.
    package static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, context: @autoclosure () -> String) throws(FileSystemError) {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        var alreadyPending = sigset_t()
        sigpending(&alreadyPending)
        let pipeSignalWasPending = sigismember(&alreadyPending, SIGPIPE) == 1
        defer {
            if !pipeSignalWasPending {
                var pending = sigset_t()
                sigpending(&pending)
                if sigismember(&pending, SIGPIPE) == 1 {
                    var noWait = timespec()
                    _ = sigtimedwait(&pipeSignal, nil, &noWait)
                }
            }
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written >= 0 {
                offset += written
                continue
            }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, -1)
            default: throw FileSystemError(context(), code: code)
            }
        }
    }
}

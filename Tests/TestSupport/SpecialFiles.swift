package import Foundation
import Synchronization

/// Devices, FIFOs and sockets for the tests of outputs that are not regular files.
package enum SpecialFiles {
    /// Whether the tests that make a device node run: as root (`mknod` needs it), and under CI whatever the user, so
    /// that a CI job that lost root fails on `mknod` instead of skipping them. `CI` is the variable every CI service
    /// sets (GitHub Actions, GitLab, Buildkite, Jenkins' plugins); `.ci/run` runs as root.
    package static let deviceTestsRun = geteuid() == 0 || !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// Makes a character device with `/dev/null`'s numbers (1, 3) at `path`: writes to it are discarded, like
    /// `mknod PATH c 1 3`.
    package static func makeNullDevice(at path: String) throws {
        guard mknod(path, S_IFCHR | 0o666, makedev(1, 3)) == 0 else {
            throw SpecialFileError("mknod \(path) c 1 3 failed (\(String(cString: strerror(errno)))); device tests need root")
        }
    }

    /// What `lstat` says `path` is: "character device 1:3", "FIFO", "regular file", "symbolic link", "folder"….
    package static func kind(of path: String) -> String {
        var status = stat()
        guard lstat(path, &status) == 0 else { return "nothing (\(String(cString: strerror(errno))))" }
        switch status.st_mode & S_IFMT {
        case S_IFCHR: return "character device \(major(status.st_rdev)):\(minor(status.st_rdev))"
        case S_IFIFO: return "FIFO"
        case S_IFREG: return "regular file"
        case S_IFLNK: return "symbolic link"
        case S_IFDIR: return "folder"
        case S_IFSOCK: return "socket"
        default: return "something else"
        }
    }

    private static func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
        // glibc's encoding (sys/sysmacros.h), which Swift cannot import as a macro.
        let high = (dev_t(major) & 0xffff_f000) << 32 | (dev_t(minor) & 0xffff_ff00) << 12
        return high | (dev_t(major) & 0xfff) << 8 | (dev_t(minor) & 0xff)
    }

    private static func major(_ device: dev_t) -> UInt32 { UInt32((device >> 8) & 0xfff | (device >> 32) & 0xffff_f000) }
    private static func minor(_ device: dev_t) -> UInt32 { UInt32(device & 0xff | (device >> 12) & 0xffff_ff00) }
}

package struct SpecialFileError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// A FIFO made at a path, with a reader on a thread of its own that collects what a writer sends until the writer
/// closes it.
///
/// The reader opens its end without waiting (`O_NONBLOCK`), so a writer's blocking open finds it there and a test
/// whose writer never comes does not hang: Linux reports the end of a FIFO only after a writer has come and gone.
package final class FIFOReader: Sendable {
    package let path: String
    private let state = State()

    private final class State: Sendable {
        let received = Mutex(Data())
        let stopped = Atomic(false)
        let done = DispatchSemaphore(value: 0)
    }

    /// - Parameter readLimit: stop reading and close the reader's end after this many bytes (a reader that goes away).
    package init(path: String, readLimit: Int = .max) throws {
        guard mkfifo(path, 0o644) == 0 else { throw SpecialFileError("mkfifo \(path): \(String(cString: strerror(errno)))") }
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw SpecialFileError("cannot open \(path) to read: \(String(cString: strerror(errno)))") }
        self.path = path
        let state = state
        Thread.detachNewThread {
            defer {
                close(descriptor)
                state.done.signal()
            }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !state.stopped.load(ordering: .relaxed) {
                var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, 100) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                guard count > 0 else { return }
                let total = state.received.withLock { data in
                    data.append(contentsOf: buffer[0..<count])
                    return data.count
                }
                if total >= readLimit { return }
            }
        }
    }

    deinit { state.stopped.store(true, ordering: .relaxed) }

    /// Waits until the writer closed the FIFO (or the reader stopped at its limit), then returns what arrived. A
    /// writer that never closes is given up on after `patience`, so that a broken test fails instead of hanging.
    package func finish(patience: Duration = .seconds(120)) -> Data {
        if state.done.wait(timeout: .now() + .seconds(Int(patience.components.seconds))) == .timedOut {
            state.stopped.store(true, ordering: .relaxed)
            state.done.wait()
        }
        // Signalled once: let a second finish() return at once too.
        state.done.signal()
        return state.received.withLock { $0 }
    }

    /// What arrived, as text, once the writer closed the FIFO.
    package func finishText() -> String { String(decoding: finish(), as: UTF8.self) }
}

import Foundation

/// An advisory `flock(2)` on a file, shared or exclusive. Released by `unlock()` or when the process dies.
///
/// Invariant: one user at a time — the descriptor is opened by `lock`/`tryLock` and closed by `unlock`,
/// and the embedded cluster calls them serially under its control lock.
final class FileLock: @unchecked Sendable {
    enum Mode {
        case shared
        case exclusive
        var operation: Int32 { self == .shared ? LOCK_SH : LOCK_EX }
    }

    let path: String
    private var descriptor: Int32 = -1

    init(path: String) {
        self.path = path
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Waits for the lock. Blocking.
    func lock(_ mode: Mode) throws {
        try openIfNeeded()
        while flock(descriptor, mode.operation) != 0 {
            guard errno == EINTR else { throw EmbeddedClusterError("cannot lock \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Takes the lock only if no other process holds a conflicting one.
    func tryLock(_ mode: Mode) -> Bool {
        guard (try? openIfNeeded()) != nil else { return false }
        return flock(descriptor, mode.operation | LOCK_NB) == 0
    }

    func unlock() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    private func openIfNeeded() throws {
        guard descriptor < 0 else { return }
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EmbeddedClusterError("cannot open \(path): \(String(cString: strerror(errno)))") }
    }
}

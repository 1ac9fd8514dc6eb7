import Foundation
import Glibc

/// Something that happened in a watched folder.
package enum FolderChange: Sendable, Equatable {
    /// An entry of the folder was created, written, renamed, removed or had its attributes changed. The name is the
    /// entry's, not a path: inotify names the entry that changed, never a file further down.
    case entry(String)
    /// The kernel's queue overflowed: changes were lost, so read the whole folder again.
    case overflowed
    /// The folder itself was removed, renamed or unmounted: no further change will be reported.
    case folderGone
}

/// The changes inside one folder, as the kernel reports them (Linux inotify), delivered as an async sequence.
///
/// One thread of its own (`nomaly.watch`) waits in `poll(2)` for the kernel or for ``stop()``: a wait that lasts as long
/// as the daemon must neither hold a thread of the shared blocking pool nor queue for one. inotify sees what happens to
/// the folder's entries (an editor's save, `mv`, `cp`, `rm`, Kubernetes swapping a ConfigMap's `..data` link), not a
/// change made elsewhere to the target of a symbolic link inside it, and not changes made by another machine on a
/// network file system; callers that must see those ask again by other means (a signal, a command).
///
/// ```swift
/// let watcher = try FolderWatcher.start(watching: "jobs")
/// defer { watcher.stop() }
/// for await change in watcher.changes { … }
/// ```
package final class FolderWatcher: Sendable {
    /// Finishes after ``FolderChange/folderGone`` or ``stop()``.
    package let changes: AsyncStream<FolderChange>
    private let descriptors: Descriptors

    /// What inotify reports: every way an entry can change, and the folder going away.
    private static let mask =
        UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB)
        | UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    private init(descriptors: Descriptors, changes: AsyncStream<FolderChange>) {
        self.descriptors = descriptors
        self.changes = changes
    }

    /// Starts watching `folder` (blocking only for the two system calls that set the watch up).
    /// - Throws: ``FileSystemError`` when the folder does not exist, is not a folder, or the system's inotify limits
    ///   (`fs.inotify.max_user_instances`, `max_user_watches`) are reached.
    package static func start(watching folder: String) throws(FileSystemError) -> FolderWatcher {
        let descriptors = try Descriptors(folder: folder)
        let (changes, continuation) = AsyncStream<FolderChange>.makeStream()
        let watcher = FolderWatcher(descriptors: descriptors, changes: changes)
        Task {
            // The reader owns nothing the caller waits to free: the descriptors live as long as the watcher.
            _ = try? await DedicatedThread.run(named: "nomaly.watch") {
                descriptors.read { continuation.yield($0) }
                continuation.finish()
            }
        }
        return watcher
    }

    /// Stops the reader; ``changes`` then finishes. Calling it again does nothing.
    package func stop() {
        descriptors.wake()
    }

    /// The inotify descriptor and the pipe that wakes its reader, closed together when the last user lets go: the
    /// reader thread and the watcher both hold them, so neither end is closed while the other may still use it.
    private final class Descriptors: Sendable {
        let inotify: Int32
        /// Read end and write end. A byte written to the write end ends the reader's wait.
        let wakeRead: Int32
        let wakeWrite: Int32

        init(folder: String) throws(FileSystemError) {
            let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
            guard inotify >= 0 else { throw FileSystemError("cannot watch \(folder) (inotify_init1)") }
            guard inotify_add_watch(inotify, folder, FolderWatcher.mask) >= 0 else {
                let error = FileSystemError("cannot watch \(folder)")
                close(inotify)
                throw error
            }
            var ends: [Int32] = [-1, -1]
            guard SystemCalls.pipe2(&ends, O_CLOEXEC | O_NONBLOCK) == 0 else {
                let error = FileSystemError("cannot watch \(folder) (pipe2)")
                close(inotify)
                throw error
            }
            self.inotify = inotify
            wakeRead = ends[0]
            wakeWrite = ends[1]
        }

        deinit {
            close(inotify)
            close(wakeRead)
            close(wakeWrite)
        }

        func wake() {
            var byte: UInt8 = 1
            // A full pipe already holds a wake-up; the reader needs only one.
            _ = Glibc.write(wakeWrite, &byte, 1)
        }

        /// Blocking: reports changes until woken or until the folder is gone.
        func read(_ report: (FolderChange) -> Void) {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                var waits = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
                let ready = poll(&waits, 2, -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if waits[1].revents != 0 { return }
                while true {
                    let count = buffer.withUnsafeMutableBytes { Glibc.read(inotify, $0.baseAddress, $0.count) }
                    guard count > 0 else { break }
                    for change in Self.parse(buffer[0..<count]) {
                        report(change)
                        if change == .folderGone { return }
                    }
                }
            }
        }

        /// The changes in a buffer of `struct inotify_event`s: wd, mask, cookie and len (4 bytes each), then `len`
        /// bytes of name padded with NULs.
        static func parse(_ bytes: ArraySlice<UInt8>) -> [FolderChange] {
            var changes: [FolderChange] = []
            var offset = bytes.startIndex
            let header = 16
            while offset + header <= bytes.endIndex {
                let (mask, length) = bytes.withUnsafeBytes { raw -> (UInt32, Int) in
                    let start = offset - bytes.startIndex
                    return (
                        raw.loadUnaligned(fromByteOffset: start + 4, as: UInt32.self),
                        Int(raw.loadUnaligned(fromByteOffset: start + 12, as: UInt32.self))
                    )
                }
                let nameBytes = bytes[(offset + header)..<min(offset + header + length, bytes.endIndex)].prefix { $0 != 0 }
                offset += header + length
                if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT) != 0 {
                    changes.append(.folderGone)
                } else if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    changes.append(.overflowed)
                } else if !nameBytes.isEmpty {
                    changes.append(.entry(String(decoding: nameBytes, as: UTF8.self)))
                }
            }
            return changes
        }
    }
}

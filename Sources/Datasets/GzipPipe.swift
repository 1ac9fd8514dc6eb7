import FileSystem
import Foundation
import Synchronization

/// Hands bytes that a path cannot reopen (a ``ByteSource``, a pipe) to ``Archive/GzipFileReader``, which reads a path:
/// a thread of its own copies them into a pipe of ours, and the reader opens the pipe's `/dev/fd` name. Nothing is
/// written to disk.
///
/// The pipe's end looks the same whether the bytes ended or their source failed, so the source's error is kept here
/// (before the pipe is closed) and the reader asks ``failure`` whenever the inflated stream ends or breaks.
///
/// Invariant: the pump thread alone calls `read` and writes the pipe; ``failure`` and ``stop()`` are safe from any
/// thread.
final class GzipPipe: @unchecked Sendable {
    /// What the gzip reader opens; valid until ``readerOpened()``.
    let readPath: String
    private var readDescriptor: Int32
    private let failureBox = Mutex<(any Error)?>(nil)
    private let stopped = Atomic<Bool>(false)

    /// Starts copying `first` and then everything `read` returns into the pipe.
    /// - Parameters:
    ///   - read: fills a buffer, returning 0 at the end (as ``ByteSource/read(into:)``). Called on the pump thread only.
    ///   - finished: called on the pump thread once it stops reading, to release what `read` reads from.
    init(
        first: [UInt8],
        read: @escaping @Sendable (UnsafeMutableRawBufferPointer) throws -> Int,
        finished: @escaping @Sendable () -> Void
    ) throws {
        var ends: [Int32] = [-1, -1]
        // Close-on-exec from the start: between pipe() and a later fcntl, a child spawned by another thread would
        // inherit the pipe, and hold its write end open (the reader would never see the end) for as long as it lives.
        guard SystemCalls.pipe2(&ends, O_CLOEXEC) == 0 else { throw GzipPipeError(errno: errno) }
        readDescriptor = ends[0]
        readPath = "/dev/fd/\(ends[0])"
        let writeDescriptor = ends[1]
        DedicatedThread.start(named: "nomaly.gzip") { [self] in
            pump(first: first, read: read, into: writeDescriptor)
            finished()
        }
    }

    deinit {
        readerOpened()
        stop()
    }

    /// The source's error, once the pump met one.
    var failure: (any Error)? { failureBox.withLock { $0 } }

    /// Closes our copy of the read end once the gzip reader opened its own.
    func readerOpened() {
        if readDescriptor >= 0 { close(readDescriptor) }
        readDescriptor = -1
    }

    /// Asks the pump to stop after its current read (the consumer gave up).
    func stop() { stopped.store(true, ordering: .relaxed) }

    private func pump(first: [UInt8], read: (UnsafeMutableRawBufferPointer) throws -> Int, into descriptor: Int32) {
        defer { close(descriptor) }
        // A reader that gave up closes its end: write(2) must then fail with EPIPE, not raise SIGPIPE, which would end
        // the process. The signal is directed at the writing thread, so blocking it here is enough.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        guard first.withUnsafeBytes({ writeAll($0, to: descriptor) }) else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while !stopped.load(ordering: .relaxed) {
            let count: Int
            do {
                count = try read(buffer)
            } catch {
                failureBox.withLock { $0 = error }
                return
            }
            if count == 0 { return }
            guard writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), to: descriptor) else { return }
        }
    }

    /// False when the reader is gone.
    private func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}

/// The pipe itself could not be made (too many open files).
struct GzipPipeError: Error, CustomStringConvertible {
    let errno: Int32
    var description: String { "cannot create a pipe for the gzip reader: \(String(cString: strerror(errno)))" }
}

import Datasets
import FileSystem
import Foundation

/// Reads the next chunks of a source on a thread of its own while the caller scores and writes the current one,
/// so that CSV parsing overlaps with scoring when more than one core is allowed.
///
/// At most `depth` chunks wait in memory. The source is used only by the producer thread once started.
/// Invariant: one consumer calls ``next()``; shared state is guarded by `condition`.
final class ChunkPrefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [RowChunk] = []
    private var finished = false
    private var stopped = false
    private var failure: (any Error)?
    private let depth: Int

    init(depth: Int = 2, read: @escaping @Sendable () throws -> RowChunk?) {
        self.depth = depth
        DedicatedThread.start(named: "nomaly.prefetch") { [self] in produce(read) }
    }

    /// The next chunk in source order; nil at the end. Rethrows the source's error.
    func next() throws -> RowChunk? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished && failure == nil { condition.wait() }
        if let failure { throw failure }
        guard !ready.isEmpty else { return nil }
        let chunk = ready.removeFirst()
        condition.broadcast()
        return chunk
    }

    /// Tells the producer to stop after its current chunk (the consumer gave up).
    func stop() {
        condition.lock()
        stopped = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func produce(_ read: () throws -> RowChunk?) {
        while true {
            condition.lock()
            while ready.count >= depth && !stopped { condition.wait() }
            let stop = stopped
            condition.unlock()
            if stop { return }
            do {
                let chunk = try read()
                condition.lock()
                if let chunk { ready.append(chunk) } else { finished = true }
                condition.broadcast()
                condition.unlock()
                if chunk == nil { return }
            } catch {
                condition.lock()
                failure = error
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }
}

import Dispatch
import Synchronization

/// Fork–join over contiguous ranges, on Dispatch's worker threads.
enum ParallelWork {
    /// Cuts `0..<count` into ranges of `chunk` elements (the last may be shorter) and runs `body` on each,
    /// from at most `threads` threads at once; returns when all have finished. Blocking.
    ///
    /// Threads take the next range as they finish one, so a thread slowed by other work on its core holds
    /// the others up by one range at most. Runs inline when one thread suffices.
    static func forEachRange(count: Int, chunk: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let chunks = (count + chunk - 1) / chunk
        let workers = max(1, min(threads, chunks))
        guard workers > 1 else {
            for index in 0..<chunks {
                body(range(index, chunk: chunk, count: count))
            }
            return
        }
        let next = Atomic<Int>(0)
        // Dispatch wants a @Sendable closure; `body` is not one because callers capture buffers they write
        // into. That is safe here: ranges are disjoint, and concurrentPerform returns only when every worker
        // has finished, so nothing outlives the call.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < chunks else { return }
                    body(range(index, chunk: chunk, count: count))
                }
            }
        }
    }

    /// Range number `index` of `0..<count` cut every `chunk` elements.
    static func range(_ index: Int, chunk: Int, count: Int) -> Range<Int> {
        (index * chunk)..<min((index + 1) * chunk, count)
    }
}

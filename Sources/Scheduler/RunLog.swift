import Foundation

/// The tail of a run's output: everything appended, of which only the last `limit` bytes are kept.
///
/// A job that prints gigabytes must not grow the daemon or the `job_runs` row; the end of the output is
/// what explains a failure. Shared between the running job and the heartbeat that saves it, under a lock.
package final class RunLog: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private var dropped = 0
    private var version = 0
    package let limit: Int

    package init(limit: Int = 64 * 1024) {
        self.limit = limit
    }

    package func append(_ chunk: some Sequence<UInt8>) {
        lock.withLock {
            bytes.append(contentsOf: chunk)
            if bytes.count > limit {
                let excess = bytes.count - limit
                bytes.removeFirst(excess)
                dropped += excess
            }
            version += 1
        }
    }

    package func append(line: String) {
        append(Array((line.hasSuffix("\n") ? line : line + "\n").utf8))
    }

    /// The kept tail, prefixed with how much was dropped; invalid UTF-8 from a cut is repaired.
    package var tail: String {
        lock.withLock {
            let text = String(decoding: bytes, as: UTF8.self)
            return dropped > 0 ? "[… \(dropped) earlier bytes not kept]\n" + text : text
        }
    }

    /// Changes whenever something is appended, so savers can skip unchanged logs.
    package var changeCount: Int { lock.withLock { version } }
}

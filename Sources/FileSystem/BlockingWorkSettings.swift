package import Settings

/// `NOMALY_BLOCKING_THREADS` (docs/configuration.md, "Service"): how many threads ``BlockingWork``'s shared pool has.
///
/// ```swift
/// var reader = SettingsReader(Environment())
/// let settings = BlockingWorkSettings(reader: &reader, defaultThreads: 24)
/// BlockingWork.configure(threads: settings.threads)
/// ```
package struct BlockingWorkSettings: Sendable, Equatable {
    /// The most threads an operator may ask for.
    package static let maximumThreads = 1024

    package var threads: Int

    package init(threads: Int) {
        self.threads = threads
    }

    /// - Parameter defaultThreads: what the pool needs when nothing is set, which only the composition root knows (how
    ///   many runs and connections may each hold a thread); clamped to ``maximumThreads``.
    package init(reader: inout SettingsReader, defaultThreads: Int) {
        let fallback = min(max(defaultThreads, 1), Self.maximumThreads)
        threads = reader.integer("NOMALY_BLOCKING_THREADS", default: fallback, range: 1...Self.maximumThreads)
    }
}

import FileSystem
import Foundation
import Logging
import Postgres
import Scheduler
import ServiceLifecycle
import UnixSignals

/// Reads the jobs folder again while `nomaly serve` runs, as Airflow's DAG folder or `kubectl apply` would: on SIGHUP,
/// when the folder changes (inotify, once it has been quiet for half a second) and when `nomaly jobs reload` asks every
/// replica (NOTIFY on ``JobReload/requestChannel``).
///
/// A reload judges the whole new set before it writes anything: one invalid file, a missing folder or a file taking an
/// API job's name refuses the set, logs every problem and leaves the catalogue (and what runs) as it was. A valid set
/// is written in one transaction (``RunStore/applyCatalog(_:removeMissing:)``) and what it changed is logged, counted
/// in `nomaly_job_reloads_total{trigger, outcome}` and sent back to `nomaly jobs reload`. Running runs keep the spec
/// they were claimed with.
///
/// ```swift
/// let reloader = JobFileReloader(folder: "jobs", load: load, store: store, started: specs, catalogWritten: scheduler.catalogWritten,
///                                replica: replicaID, logger: logger)
/// let group = ServiceGroup(services: [pool, scheduler, reloader], logger: logger)
/// ```
struct JobFileReloader: Service {
    /// What the reloader reacts to, in one stream.
    enum Event: Sendable {
        case folder(FolderChange)
        /// The folder is watched again after it was missing.
        case watchedAgain
        case asked(JobReloadTrigger, request: String?)
        /// The schedule's next reload is due.
        case due
    }

    let folder: String
    /// Reads and judges every job file (blocking); nil when the folder does not exist.
    let load: @Sendable () throws(JobSpecLoadError) -> [JobSpec]?
    let store: RunStore
    /// The set the scheduler wrote at start (nil: none, there was no folder).
    let started: [JobSpec]?
    /// Opens when the scheduler has written ``started``; nothing is reloaded before.
    let catalogWritten: Latch
    /// SIGHUP, trapped since the daemon started.
    let hangups: UnixSignalsSequence
    let replica: String
    let logger: Logger
    var schedule = Schedule()
    /// How often a folder that cannot be watched (missing, renamed) is looked for again.
    var lookAgain: Duration = .seconds(2)

    func run() async throws {
        let (events, sink) = AsyncStream<Event>.makeStream()
        let listener: PostgresListener?
        do {
            listener = try await store.pool.listen(to: [JobReload.requestChannel])
        } catch {
            listener = nil
            logger.warning(
                "cannot listen for `nomaly jobs reload`; SIGHUP and changes in the folder still reload",
                metadata: ["error": "\(error)"]
            )
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in hangups { sink.yield(.asked(.signal, request: nil)) }
            }
            if let listener {
                group.addTask {
                    // Anyone who may NOTIFY can send any text: an id longer than `nomaly jobs reload`'s could not be answered.
                    for await notification in listener.notifications {
                        sink.yield(.asked(.request, request: String(notification.payload.prefix(64))))
                    }
                }
            }
            group.addTask { await self.watch(into: sink) }
            await cancelWhenGracefulShutdown { await self.handle(events, sink: sink) }
            listener?.stop()
            sink.finish()
            group.cancelAll()
        }
    }

    /// Feeds the folder's changes into `sink` for as long as the task runs, watching the folder again whenever it
    /// comes back after being missing, renamed or removed.
    private func watch(into sink: AsyncStream<Event>.Continuation) async {
        var missing = false
        while !Task.isCancelled {
            do {
                let watcher = try FolderWatcher.start(watching: folder)
                if missing {
                    logger.info("watching the jobs folder again", metadata: ["folder": "\(folder)"])
                    sink.yield(.watchedAgain)
                }
                missing = false
                await withTaskCancellationHandler {
                    for await change in watcher.changes { sink.yield(.folder(change)) }
                } onCancel: {
                    watcher.stop()
                }
                watcher.stop()
                // The folder went away: whatever is at its path when it is watched again must be read.
                missing = true
            } catch {
                if !missing {
                    logger.warning(
                        "cannot watch the jobs folder; looking for it every \(lookAgain), SIGHUP and `nomaly jobs reload` still reload",
                        metadata: ["folder": "\(folder)", "error": "\(error)"]
                    )
                }
                missing = true
            }
            try? await Task.sleep(for: lookAgain)
        }
    }

    /// Turns events into reloads until the task is cancelled.
    private func handle(_ events: AsyncStream<Event>, sink: AsyncStream<Event>.Continuation) async {
        await catalogWritten.wait()
        guard !Task.isCancelled else { return }
        var schedule = schedule
        if await filesChangedSinceStart() { schedule.asked(by: .start, at: .now) }
        var alarm: Task<Void, Never>?
        defer { alarm?.cancel() }
        // The start's check counts as an event: a due reload runs before the first real one arrives.
        sink.yield(.due)
        for await event in events {
            let now = ContinuousClock.now
            switch event {
            case .folder(.entry(let name)) where Self.isJobFile(name): schedule.folderChanged(at: now)
            case .folder(.entry): break
            case .folder(.overflowed), .watchedAgain: schedule.folderChanged(at: now)
            case .folder(.folderGone):
                logger.warning(
                    "the jobs folder was removed or renamed; the jobs run as before until it is back",
                    metadata: ["folder": "\(folder)"]
                )
            case .asked(let trigger, let request): schedule.asked(by: trigger, request: request, at: now)
            case .due: break
            }
            if let due = schedule.take(at: .now) {
                if await reload(due) == .failed { schedule.failed(at: .now) }
            }
            alarm?.cancel()
            alarm = schedule.dueAt.map { dueAt in
                Task {
                    try? await Task.sleep(until: dueAt)
                    if !Task.isCancelled { sink.yield(.due) }
                }
            }
        }
    }

    /// Whether the folder holds other files than the scheduler wrote at start (they changed before they were watched).
    private func filesChangedSinceStart() async -> Bool {
        let current: [JobSpec]?
        do {
            current = try await BlockingWork.run { try load() }
        } catch {
            return true
        }
        switch (current, started) {
        case (let current?, let started?): return JobReload.digest(of: current) != JobReload.digest(of: started)
        case (nil, nil): return false
        default: return true
        }
    }

    /// What the loader reads (`*.yaml`, `*.yml`) and what Kubernetes swaps when a ConfigMap changes (`..data`,
    /// `..2024_…`); an editor's swap and backup files are not.
    static func isJobFile(_ name: String) -> Bool {
        name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasPrefix("..")
    }

    /// Reads, judges and writes the folder's set once; logs, counts and answers the requests.
    private func reload(_ due: Schedule.Due) async -> JobReloadOutcome {
        let trigger = due.trigger
        var digest: String?
        var changes: CatalogChanges?
        var problems: [String] = []
        let outcome: JobReloadOutcome
        do {
            guard let specs = try await BlockingWork.run({ try load() }) else {
                throw JobSpecLoadError(problems: [
                    JobSpecError(
                        key: nil,
                        message: "the jobs folder does not exist (a missing folder never retires jobs; an empty one does)",
                        file: folder
                    )
                ])
            }
            digest = JobReload.digest(of: specs)
            let written = try await store.applyCatalog(specs, removeMissing: true)
            changes = written
            outcome = written.isEmpty ? .unchanged : .applied
        } catch let error as JobSpecLoadError {
            problems = error.problems.map(\.description)
            outcome = .refused
        } catch let error as SchedulerError {
            problems = [error.message]
            outcome = .refused
        } catch {
            problems = ["\(error)"]
            outcome = .failed
        }
        report(outcome, trigger: trigger, changes: changes, problems: problems)
        JobReload.record(outcome, trigger: trigger)
        for request in due.requests {
            let answer = JobReloadAnswer(
                request: request,
                replica: replica,
                outcome: outcome,
                folder: folder,
                digest: digest,
                changes: changes,
                problems: problems
            )
            do {
                try await store.pool.notify(JobReload.answerChannel, payload: try answer.payload())
            } catch {
                logger.warning("cannot answer `nomaly jobs reload`", metadata: ["request": "\(request)", "error": "\(error)"])
            }
        }
        return outcome
    }

    private func report(_ outcome: JobReloadOutcome, trigger: JobReloadTrigger, changes: CatalogChanges?, problems: [String]) {
        var metadata: Logger.Metadata = ["trigger": "\(trigger.rawValue)", "outcome": "\(outcome.rawValue)", "folder": "\(folder)"]
        switch outcome {
        case .applied, .unchanged:
            guard let changes else { return }
            metadata["added"] = "\(changes.added.joined(separator: ","))"
            metadata["changed"] = "\(changes.changed.joined(separator: ","))"
            metadata["removed"] = "\(changes.removed.joined(separator: ","))"
            metadata["unchanged"] = "\(changes.unchanged.count)"
            logger.info("job files reloaded: \(changes.summary)", metadata: metadata)
        case .refused, .failed:
            for problem in problems { logger.error("job files not reloaded", metadata: ["trigger": "\(trigger.rawValue)", "problem": "\(problem)"]) }
            metadata["problems"] = "\(problems.count)"
            let retry = outcome == .failed ? "; trying again in \(schedule.retryDelay)" : "; fix the files, they are read again when they change"
            logger.error("job files not reloaded: the jobs run as before\(retry)", metadata: metadata)
        }
    }

    /// What a replica without a scheduler (`serve --no-scheduler`) does with SIGHUP: it has no job files, so it says so
    /// rather than end, which is what SIGHUP does to a program that does not handle it.
    struct NothingToReload: Service {
        let hangups: UnixSignalsSequence
        let logger: Logger

        func run() async {
            await cancelWhenGracefulShutdown {
                for await _ in hangups {
                    logger.notice("SIGHUP ignored: this replica runs no scheduler (--no-scheduler), so it has no job files to reload")
                }
            }
        }
    }
}

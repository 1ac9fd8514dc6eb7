package import Foundation
import JSONValues
package import Logging
package import Postgres
import ServiceLifecycle
import Synchronization
import Units

/// How one replica's scheduler behaves.
package struct SchedulerConfiguration: Sendable {
    /// Runs this replica executes at once (`WORKERS`, the deployment guide's name).
    package var workers = 4
    /// How long a claim holds without a heartbeat; a replica that dies loses its runs this long after.
    package var leaseDuration: Duration = .seconds(30)
    /// How often slots are planned and maintenance looks around.
    package var tick: Duration = .seconds(1)
    /// How far ahead slots are queued.
    package var lookahead: TimeInterval = 3
    /// On SIGTERM, how long running runs may finish before they are handed back (as `lost`, retried elsewhere).
    package var shutdownGrace: Duration = .seconds(30)
    package var reapInterval: Duration = .seconds(2)
    package var pruneInterval: Duration = .seconds(60)
    /// Written into `claimed_by`: host, process and a random suffix.
    package var replicaID: String

    package init(replicaID: String = SchedulerConfiguration.defaultReplicaID()) {
        self.replicaID = replicaID
    }

    package static func defaultReplicaID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(6).lowercased())"
    }
}

/// The scheduler of one replica: plans slots, claims due runs, executes them, heartbeats their leases, reaps
/// runs whose replica died and prunes history. Any number of replicas share one database; each slot runs once.
///
/// ```swift
/// let scheduler = Scheduler(store: RunStore(pool: pool), kinds: kinds, specs: specs, configuration: .init(), logger: logger)
/// let group = ServiceGroup(services: [pool, scheduler], logger: logger)
/// ```
package final class Scheduler: Service, Sendable {
    /// Completions and log saves of runs go through the shared pool.
    let store: RunStore
    /// Planning, claims and heartbeats use connections of their own: when hundreds of runs finish at once, their
    /// completions must not queue the next claim (or a heartbeat) behind them.
    let control: RunStore
    let kinds: JobKindRegistry
    /// The job files, written into the catalogue at start. Nil when there are none to read (no jobs folder): the
    /// catalogue is then left as it is, since retiring every job is what an empty folder means, not a missing one.
    let specs: [JobSpec]?
    let configuration: SchedulerConfiguration
    let logger: Logger
    let metrics = SchedulerMetrics()
    let active = ActiveRuns()
    /// Wakes the dispatcher: a run was queued or finished, a worker is free.
    let doorbell = Doorbell()
    /// Wakes the heartbeat: a cancellation was requested (`jobs cancel`, `concurrency: replace`). The heartbeat reads
    /// it, so a run stops within a round trip instead of at the next beat, a third of the lease later.
    let heartbeatBell = Doorbell()
    private let specCache = Mutex<[String: (hash: String, spec: JobSpec)]>([:])
    /// Opens once the job files given to `init` are in the catalogue (at once without them), so that a reload never
    /// writes a newer set that this start then overwrites with the older one.
    package let catalogWritten = Latch()

    /// Whether `run()` closes the control pool: only when the scheduler opened it itself.
    let ownsControl: Bool

    /// - Parameters:
    ///   - store: completions and log saves, over the shared pool.
    ///   - control: planning, claims and heartbeats, over a pool of their own (``controlPoolConfiguration(for:)``)
    ///     that the caller runs as a service of its own and closes. Nil: the scheduler opens such a pool beside
    ///     `store`'s and closes it when `run()` ends (for tests and tools that run a scheduler alone).
    package init(
        store: RunStore,
        control: RunStore? = nil,
        kinds: JobKindRegistry,
        specs: [JobSpec]?,
        configuration: SchedulerConfiguration,
        logger: Logger
    ) {
        self.store = store
        self.control =
            control ?? RunStore(pool: PostgresPool(configuration: Self.controlPoolConfiguration(for: store.pool.configuration), logger: logger))
        ownsControl = control == nil
        self.kinds = kinds
        self.specs = specs
        self.configuration = configuration
        self.logger = logger
    }

    package func run() async throws {
        var changed: [String] = []
        if let specs { changed = try await control.syncCatalog(specs, removeMissing: true) }
        catalogWritten.open()
        logger.info(
            "scheduler started",
            metadata: [
                "jobs": "\(specs.map { "\($0.count)" } ?? "none loaded")", "changed": "\(changed.count)", "workers": "\(configuration.workers)",
                "replica": "\(configuration.replicaID)",
            ]
        )
        let listener = try? await store.pool.listen(to: [RunStore.notificationChannel])
        await withTaskGroup(of: Void.self) { heartbeats in
            heartbeats.addTask { await self.heartbeatLoop() }
            await cancelWhenGracefulShutdown {
                await withTaskGroup(of: Void.self) { loops in
                    loops.addTask { await self.planningLoop() }
                    loops.addTask { await self.dispatchLoop() }
                    loops.addTask { await self.maintenanceLoop() }
                    if let listener {
                        loops.addTask {
                            for await notification in listener.notifications {
                                if notification.payload == RunStore.cancelNotification { await self.heartbeatBell.ring() }
                                await self.doorbell.ring()
                            }
                        }
                    }
                    await loops.waitForAll()
                }
            }
            listener?.stop()
            await drain()
            heartbeats.cancelAll()
        }
        if ownsControl { await control.pool.close() }
        logger.info("scheduler stopped")
    }

    /// The control pool's settings beside a shared pool with `shared` settings: the same server, three connections.
    package static func controlPoolConfiguration(for shared: PostgresConfiguration) -> PostgresConfiguration {
        var configuration = shared
        configuration.maximumConnections = 3
        return configuration
    }

    /// Lets running runs finish within the grace period, then hands the rest back.
    private func drain() async {
        let deadline = ContinuousClock.now + configuration.shutdownGrace
        let running = await active.count
        if running > 0 {
            logger.info("waiting for running runs before stopping", metadata: ["runs": "\(running)"])
        }
        while await active.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        await active.stopAll(.shutdown)
        await active.waitUntilEmpty()
    }

    // MARK: Loops

    private func planningLoop() async {
        let planner = SlotPlanner(lookahead: configuration.lookahead)
        while !Task.isCancelled {
            do {
                let now = Date()
                var plans: [(job: JobSpec, plan: SlotPlanner.Plan)] = []
                for row in try await control.plannableJobs() {
                    guard let spec = cachedSpec(row) else { continue }
                    let plan = planner.plan(spec, scheduledThrough: row.lastScheduledAt, paused: row.paused, now: now)
                    if !plan.slots.isEmpty || plan.scheduledThrough != row.lastScheduledAt { plans.append((spec, plan)) }
                }
                if !plans.isEmpty, let queued = try await control.queue(plans), queued > 0 {
                    logger.debug("queued runs", metadata: ["runs": "\(queued)"])
                    await doorbell.ring()
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("planning failed; retrying next tick", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.tick)
        }
    }

    private func dispatchLoop() async {
        while !Task.isCancelled {
            var wakeAt = ContinuousClock.now + configuration.tick
            do {
                try await control.applyStartPolicies()
                let free = configuration.workers - (await active.count)
                if free > 0 {
                    let claimed = try await control.claim(limit: free, worker: configuration.replicaID, lease: configuration.leaseDuration)
                    for run in claimed { await start(run) }
                    metrics.running(await active.count)
                    // A full batch suggests more are due: look again at once.
                    if !claimed.isEmpty && claimed.count == free { continue }
                }
                if let due = try await control.nextDue() {
                    let untilDue = due.timeIntervalSinceNow
                    if untilDue < 1 { wakeAt = min(wakeAt, ContinuousClock.now + .milliseconds(Int64(max(untilDue, 0) * 1000))) }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("dispatch failed; retrying", metadata: ["error": "\(error)"])
            }
            await doorbell.wait(until: wakeAt)
        }
    }

    private func heartbeatLoop() async {
        let interval = configuration.leaseDuration / 3
        while !Task.isCancelled {
            await heartbeatBell.wait(until: .now + interval)
            guard !Task.isCancelled else { return }
            let runs = await active.leases()
            guard !runs.isEmpty else { continue }
            do {
                let held = try await control.heartbeat(runs.map { ($0.id, $0.token) }, lease: configuration.leaseDuration)
                for run in runs {
                    guard let cancelReason = held[run.id] else {
                        logger.warning("lost the lease of a run; stopping it", metadata: ["run": "\(run.id)", "job": "\(run.jobName)"])
                        run.control.stop(.leaseLost)
                        continue
                    }
                    if let reason = cancelReason { run.control.stop(.cancelled(reason)) }
                    if run.log.changeCount != run.savedLogVersion {
                        try await store.saveLog(runID: run.id, token: run.token, tail: run.log.tail)
                        await active.markLogSaved(run.id, version: run.log.changeCount)
                    }
                }
            } catch {
                logger.warning("heartbeat failed; leases are kept until they expire", metadata: ["error": "\(error)"])
            }
        }
    }

    private func maintenanceLoop() async {
        var lastPrune = ContinuousClock.now - configuration.pruneInterval
        while !Task.isCancelled {
            do {
                let lost = try await control.reapExpiredLeases { run in
                    guard let spec = try? JobSpec(document: run.spec.objectValue ?? [:], defaultName: run.jobName, kinds: nil),
                        spec.retries.allowsRetry(afterAttempt: run.attempt)
                    else { return nil }
                    return Date().addingTimeInterval(spec.retries.delay(afterAttempt: run.attempt).inSeconds)
                }
                for run in lost {
                    metrics.lost(job: run.jobName)
                    logger.warning(
                        "run lost: its worker stopped heartbeating",
                        metadata: ["run": "\(run.id)", "job": "\(run.jobName)", "worker": "\(run.claimedBy ?? "?")"]
                    )
                }
                if ContinuousClock.now - lastPrune >= configuration.pruneInterval {
                    lastPrune = .now
                    let pruned = try await control.pool.withAdvisoryLockIfAvailable(AdvisoryLockKey(name: "scheduler.prune")) { _ in
                        try await self.control.pruneHistory()
                    }
                    if let pruned, pruned > 0 { logger.debug("pruned run history", metadata: ["runs": "\(pruned)"]) }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("maintenance failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.reapInterval)
        }
    }

    private func cachedSpec(_ row: JobRow) -> JobSpec? {
        if let cached = specCache.withLock({ $0[row.name] }), cached.hash == row.specHash { return cached.spec }
        do {
            let spec = try row.jobSpec()
            specCache.withLock { $0[row.name] = (row.specHash, spec) }
            return spec
        } catch {
            logger.error("cannot plan a job whose stored spec is invalid", metadata: ["job": "\(row.name)", "error": "\(error)"])
            return nil
        }
    }
}

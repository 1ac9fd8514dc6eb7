import Foundation
import JSONValues
import Logging
import Units

extension Scheduler {
    /// Starts a claimed run in a task of its own and registers it for heartbeats and shutdown.
    func start(_ claimed: ClaimedRun) async {
        let control = RunControl()
        let log = RunLog()
        await active.add(.init(id: claimed.id, jobName: claimed.jobName, token: claimed.leaseToken, control: control, log: log, savedLogVersion: 0))
        // Lag from when the run became due, not from its slot: a retry's backoff is not the scheduler being late.
        metrics.started(job: claimed.jobName, lag: claimed.startedAt.timeIntervalSince(claimed.dueAt))
        Task {
            await self.execute(claimed, control: control, log: log)
            await self.active.remove(claimed.id)
            await self.doorbell.ring()
        }
    }

    /// Runs one claimed run to its end and records the outcome, fenced by the lease token.
    func execute(_ claimed: ClaimedRun, control: RunControl, log: RunLog) async {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(claimed.jobName)"
        logger[metadataKey: "run"] = "\(claimed.id)"
        let started = Date()

        let job: JobSpec
        let runnable: any JobRunnable
        do {
            job = try JobSpec(document: claimed.spec.objectValue ?? [:], defaultName: claimed.jobName, kinds: nil)
            guard let kind = kinds[job.kind] else {
                throw JobSpecError(key: "kind", message: "this replica has no kind '\(job.kind)' (known: \(kinds.names.joined(separator: ", ")))")
            }
            var settings = JobSettings(job.settings)
            runnable = try kind.prepare(&settings)
            settings.finish()
            // Settings valid on the replica that loaded the file may not be here (another version, other settings).
            guard settings.problems.isEmpty else { throw JobSpecLoadError(problems: settings.problems) }
        } catch {
            await finish(claimed, job: nil, RunStore.Completion(status: .failed, error: "cannot run: \(error)"), started: started, logger: logger)
            return
        }

        logger.info("run started", metadata: ["attempt": "\(claimed.attempt)", "trigger": "\(claimed.trigger)"])
        let context = RunContext(
            job: job,
            runID: claimed.id,
            attempt: claimed.attempt,
            scheduledAt: claimed.scheduledAt,
            trigger: claimed.trigger,
            logger: logger,
            log: log
        )
        let result = await control.run(timeout: job.timeout) { try await runnable.run(context) }

        var completion: RunStore.Completion
        switch (control.stopReason, result) {
        case (.leaseLost, _):
            logger.warning("run abandoned: another replica took it over after this one stopped heartbeating")
            return
        case (.timeout(let limit), _):
            completion = .init(status: .timedOut, error: "timed out after \(limit)")
        case (.cancelled(let reason), _):
            completion = .init(status: .cancelled, error: reason)
        case (.shutdown, _):
            completion = .init(status: .lost, error: "\(configuration.replicaID) shut down during the run")
        case (nil, .success(let outcome)):
            completion = .init(status: .succeeded, result: outcome.result, exitCode: outcome.exitCode)
        case (nil, .failure(let error as JobFailure)):
            completion = .init(status: .failed, error: error.message, result: error.result, exitCode: error.exitCode)
        case (nil, .failure(let error)):
            completion = .init(status: .failed, error: "\(error)")
        }
        if case .failure(let error as JobFailure) = result, completion.exitCode == nil { completion.exitCode = error.exitCode }
        completion.logTail = log.tail.isEmpty ? nil : log.tail
        await finish(claimed, job: job, completion, started: started, logger: logger)
    }

    private func finish(_ claimed: ClaimedRun, job: JobSpec?, _ completion: RunStore.Completion, started: Date, logger: Logger) async {
        var completion = completion
        if completion.status.isFailure, let job, job.retries.allowsRetry(afterAttempt: claimed.attempt) {
            completion.retryAt = Date().addingTimeInterval(job.retries.delay(afterAttempt: claimed.attempt).inSeconds)
        }
        let duration = Date().timeIntervalSince(started)
        do {
            let recorded = try await store.complete(runID: claimed.id, token: claimed.leaseToken, completion)
            guard recorded else {
                logger.warning("run outcome discarded: its lease was lost meanwhile", metadata: ["status": "\(completion.status.rawValue)"])
                return
            }
        } catch {
            // The lease will expire and the reaper will mark the run lost (and retry it): nothing is left running forever.
            logger.error("cannot record the run's outcome", metadata: ["error": "\(error)"])
            return
        }
        metrics.finished(job: claimed.jobName, status: completion.status, duration: duration)
        var metadata: Logger.Metadata = ["status": "\(completion.status.rawValue)", "seconds": "\(String(format: "%.3f", duration))"]
        if let error = completion.error { metadata["error"] = "\(error)" }
        if let retryAt = completion.retryAt { metadata["retry_at"] = "\(retryAt)" }
        if completion.status == .succeeded {
            logger.info("run finished", metadata: metadata)
        } else {
            logger.warning("run finished", metadata: metadata)
        }
    }
}

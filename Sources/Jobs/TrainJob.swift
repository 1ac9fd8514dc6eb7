import Foundation
import JSONValues
import Logging
package import Scheduler

/// `kind: train` — trains `registry/MODEL.yaml`, registers the version with lineage to the run, and applies the
/// spec's promotion policy; the run's result holds the version, metrics and what promotion did.
///
/// ```yaml
/// kind: train
/// schedule: "0 2 * * *"
/// with: {model: fraud}
/// ```
package struct TrainKind: JobKind {
    package let name = "train"
    let services: ModelServices?
    let specsDirectory: String?

    /// - Parameters:
    ///   - services: nil to only validate job files offline.
    ///   - specsDirectory: where to check that the model's spec exists (validation only).
    package init(services: ModelServices?, specsDirectory: String? = nil) {
        self.services = services
        self.specsDirectory = specsDirectory ?? services?.specsDirectory
    }

    package func prepare(_ settings: inout JobSettings) throws(JobSpecError) -> any JobRunnable {
        let model = settings.requiredString("model")
        if let specsDirectory {
            do {
                _ = try ModelSpecLoader.load(model: model, directory: specsDirectory)
            } catch {
                settings.report(JobSpecError(key: "with.model", message: "\(model): \(error.description)"))
            }
        }
        try settings.stopIfInvalid()
        return TrainRun(services: services, model: model)
    }
}

struct TrainRun: JobRunnable {
    let services: ModelServices?
    let model: String

    func run(_ context: RunContext) async throws -> RunOutcome {
        guard let services else { throw JobFailure("train needs the registry (run it under nomaly serve)") }
        // Read the spec at run time: an edited spec takes effect at the next run without a restart.
        let spec = try ModelSpecLoader.load(model: model, directory: services.specsDirectory)
        context.log.append(line: "training \(spec.name) (\(spec.detector)) from \(spec.file)")
        let report = try await SpecTrainer(services: services).train(spec, actor: "job:\(context.job.name)", trainingRunID: context.runID)
        context.log.append(
            line: "registered \(report.model):\(report.version) on \(report.trainingRows) rows (holdout \(report.holdoutRows)); "
                + "promotion: \(report.promotion)\(report.promotionDetail.map { " — \($0)" } ?? "")"
        )
        return RunOutcome(result: try JSONValue(encoding: report))
    }
}

import Datasets
import Foundation
package import Modeling
import Registry

/// What one training from a spec produced, stored as a train run's result and printed by `nomaly models train`.
package struct TrainingReport: Codable, Sendable {
    package var model: String
    package var version: Int
    package var artifactSha256: String
    package var trainingRows: Int
    package var holdoutRows: Int
    package var metrics: ModelMetrics
    /// What the promotion policy did: `manual`, `promoted`, `kept` (the current version is as good or better).
    package var promotion: String
    package var promotionDetail: String?
}

/// Trains a model from its spec: load the data, split the holdout, fit, evaluate, register, apply the policy.
package struct SpecTrainer: Sendable {
    package let services: ModelServices

    package init(services: ModelServices) {
        self.services = services
    }

    package func train(_ spec: ModelSpec, actor: String, trainingRunID: Int64? = nil) async throws -> TrainingReport {
        let scratch = try ModelServices.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let data: Dataset
        let source: String
        var fingerprint: String?
        switch spec.data {
        case .csv(let location):
            let path = try await services.localCopy(of: location, in: scratch)
            data = try Dataset.load(csv: path, format: spec.format, selection: spec.selection, missing: spec.missing)
            source = location
            fingerprint = try? ModelTrainer.fileSHA256(path)
        case .sql(let query):
            data = try await Dataset.load(sql: query, pool: services.pool, selection: spec.selection, missing: spec.missing)
            source = "sql"
        }
        let (training, holdout) =
            spec.holdout > 0 ? data.split(holdout: spec.holdout, seed: spec.parameters.seed ?? 0) : (data, data.subset([]))
        let request = spec.trainingRequest(threads: services.threads, nomalyVersion: services.nomalyVersion)
        let artifact = scratch + "/model.tar.gz"
        let result = try await ModelTrainer.fit(
            dataset: training,
            source: source,
            sourceSHA256: fingerprint,
            request: request,
            holdout: holdout.rowCount > 0 ? holdout : nil,
            output: artifact
        )
        let version = try await services.registry.register(
            model: spec.name,
            artifact: artifact,
            description: spec.description,
            // The spec describes the model, not only this version: before issue 26 the model's own description, which
            // `models list` shows, stayed empty.
            modelDescription: spec.description,
            actor: actor,
            lineage: VersionLineage(trainingRunID: trainingRunID, specHash: spec.specHash, createdBy: actor)
        )
        var report = TrainingReport(
            model: spec.name,
            version: version.version,
            artifactSha256: result.archiveSHA256,
            trainingRows: training.rowCount,
            holdoutRows: holdout.rowCount,
            metrics: result.metrics,
            promotion: "manual"
        )
        if case .auto(let alias, let metric) = spec.promotion {
            (report.promotion, report.promotionDetail) = try await promote(
                spec.name,
                version: version.version,
                metrics: result.metrics,
                alias: alias,
                metric: metric,
                actor: actor
            )
        }
        return report
    }

    /// Promotes when the alias is empty or the candidate beats its target on `metric`; a concurrent promotion
    /// makes the compare-and-swap fail, and the candidate then stays unpromoted rather than overwrite it.
    func promote(
        _ model: String,
        version: Int,
        metrics: ModelMetrics,
        alias: String,
        metric: String,
        actor: String
    ) async throws -> (String, String) {
        guard let candidate = metrics.value(of: metric) else {
            return ("kept", "version \(version) has no \(metric) (no labels in its evaluation data)")
        }
        let current: ModelVersion
        do {
            current = try await services.registry.resolve(.alias(model: model, alias: alias))
        } catch let error as RegistryError where error.code == .notFound {
            _ = try await services.registry.promote(
                model: model,
                version: version,
                alias: alias,
                expect: .empty,
                reason: "auto: first version with \(metric) \(candidate)",
                actor: actor
            )
            return ("promoted", "\(alias) was empty; now version \(version) (\(metric) \(format(candidate)))")
        }
        let incumbent = Self.metrics(of: current)?.value(of: metric)
        if let incumbent, incumbent >= candidate {
            return ("kept", "\(alias) stays at version \(current.version): \(metric) \(format(incumbent)) ≥ \(format(candidate))")
        }
        _ = try await services.registry.promote(
            model: model,
            version: version,
            alias: alias,
            expect: .version(current.version),
            reason: "auto: \(metric) \(format(candidate)) beats \(incumbent.map(format) ?? "none") of version \(current.version)",
            actor: actor
        )
        return ("promoted", "\(alias): version \(current.version) → \(version) (\(metric) \(incumbent.map(format) ?? "none") → \(format(candidate)))")
    }

    static func metrics(of version: ModelVersion) -> ModelMetrics? {
        guard let data = try? JSONEncoder().encode(version.metrics) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(ModelMetrics.self, from: data)
    }

    func format(_ value: Double) -> String { String(format: "%.4f", value) }
}

import Foundation
package import Jobs
package import Modeling
package import Registry

extension Runtime {
    /// Runs `body` with the registry over the database. Only the registry: no train/score machinery, no scoring
    /// locations, no detector cache, for commands that read or change versions and aliases.
    package func withRegistry<Result>(_ body: (ModelRegistry) async throws -> Result) async throws -> Result {
        try await withDatabase { pool in try await body(try modelRegistry(pool: pool)) }
    }

    /// Runs `body` with the registry and the train/score machinery over the database.
    package func withModelServices<Result>(_ body: (ModelServices) async throws -> Result) async throws -> Result {
        try await withDatabase { pool in try await body(try modelServices(pool: pool)) }
    }

    /// Registers a model artifact (.tar.gz) as the model's next version, creating the model on first use.
    package func registerModel(_ name: String, artifact: String, description: String, actor: String) async throws -> ModelVersion {
        try await withModelServices { services in
            try await services.registry.register(model: name, artifact: artifact, description: description, actor: actor)
        }
    }

    /// Trains the model that `NOMALY_REGISTRY_DIR/NAME.yaml` describes, registers the version and applies the spec's
    /// promotion policy, as the train job does.
    package func trainModel(_ name: String, actor: String) async throws -> TrainingReport {
        try await withModelServices { services in
            let spec = try ModelSpecLoader.load(model: name, directory: services.specsDirectory)
            return try await SpecTrainer(services: services).train(spec, actor: actor)
        }
    }

    /// Writes the artifact of the version `reference` names to `output`, its sha256 checked; returns that version.
    package func downloadModel(_ reference: ModelReference, to output: String) async throws -> ModelVersion {
        try await withModelServices { services in
            let version = try await services.registry.resolve(reference)
            try await services.registry.artifacts.fetch(sha256: version.artifactSha256, to: output)
            return version
        }
    }

    /// Scores a CSV file with a model artifact file, or with a registry version (which needs the database).
    /// - Parameters:
    ///   - model: a path when it looks like one (an existing file, a `/`, a `.tar.gz` suffix), else
    ///     `NAME@ALIAS`, `NAME:VERSION` or `NAME`.
    ///   - resolved: told which version a registry reference named, before its artifact is loaded.
    package func score(
        model: String,
        request: ScoringRequest,
        resolved: (ModelVersion, ModelReference) -> Void
    ) async throws -> ScoringSummary {
        let artifact: ModelArtifact
        if FileManager.default.fileExists(atPath: model) || model.contains("/") || model.hasSuffix(".tar.gz") {
            artifact = try await ModelArtifact.load(model, limits: configuration.archiveLimits)
        } else {
            let reference = try ModelReference.parse(model)
            artifact = try await withModelServices { services in
                let version = try await services.registry.resolve(reference)
                resolved(version, reference)
                return try await services.cache.model(sha256: version.artifactSha256)
            }
        }
        return try await BatchScorer.score(artifact, request: request)
    }
}

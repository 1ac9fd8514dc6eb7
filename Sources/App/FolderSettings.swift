import Foundation
package import Settings

/// The folders and the store where `nomaly` finds its inputs: job files, model specs and model artifacts.
///
/// These stay in App rather than in a module: no module reads a path here itself. App loads the job files for the
/// scheduler and the model specs for the registry and the train kind, and builds the artifact store (with the S3
/// settings when it is `s3://`) for the registry; the modules take what was loaded or built.
package struct FolderSettings: Sendable, Equatable {
    /// `NOMALY_JOBS_DIR` (default `./jobs`), absolute: one YAML file per job.
    package var jobsDirectory: String
    /// `NOMALY_REGISTRY_DIR` (default `./registry`), absolute: one model spec (`NAME.yaml`) per model.
    package var registryDirectory: String
    /// `NOMALY_ARTIFACTS`: where model artifacts are stored — a path, `file:///path` or `s3://bucket/prefix`
    /// (default `$NOMALY_HOME/artifacts`). Relative paths are made absolute.
    package var artifacts: String

    package init(jobsDirectory: String, registryDirectory: String, artifacts: String) {
        self.jobsDirectory = jobsDirectory
        self.registryDirectory = registryDirectory
        self.artifacts = artifacts
    }

    /// Reads the three variables, the problem with `NOMALY_ARTIFACTS` into `reader`.
    package init(reader: inout SettingsReader) {
        jobsDirectory = reader.path("NOMALY_JOBS_DIR") ?? reader.absolute("jobs")
        registryDirectory = reader.path("NOMALY_REGISTRY_DIR") ?? reader.absolute("registry")
        let setting = reader.environment["NOMALY_ARTIFACTS"] ?? reader.home + "/artifacts"
        if setting.hasPrefix("s3://") {
            artifacts = setting
        } else if setting.hasPrefix("file://") {
            artifacts = reader.absolute(String(setting.dropFirst("file://".count)))
        } else if setting.contains("://") {
            artifacts = setting
            reader.report(ConfigurationProblem(variable: "NOMALY_ARTIFACTS", message: "must be a path, file:///path or s3://bucket/prefix"))
        } else {
            artifacts = reader.absolute(setting)
        }
    }
}

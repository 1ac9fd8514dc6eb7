import Foundation
import JSONValues
import Jobs
import ObjectStore
import Postgres
import Registry
import Scheduler
import TestSupport

/// The train and score kinds over a registry in a folder, run as the scheduler runs them.
enum JobsHarness {
    /// Services over `folder`: artifacts in `folder/artifacts` (unless `artifacts` names another store), the demo spec
    /// and data in `folder/registry`.
    static func services(
        _ pool: PostgresPool,
        folder: TemporaryFolder,
        artifacts: ArtifactStore? = nil,
        s3: S3Configuration? = nil,
        locations: ScoringLocations? = nil,
        maxInputBytes: Int64 = 10 << 30
    ) throws -> ModelServices {
        let artifacts = artifacts ?? ArtifactStore(store: FileStore(root: folder.path + "/artifacts"), prefix: "")
        if !FileManager.default.fileExists(atPath: folder.path + "/registry") {
            try FileManager.default.createDirectory(atPath: folder.path + "/registry", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestEnvironment.repositoryRoot + "/registry/data", toPath: folder.path + "/registry/data")
            try FileManager.default.copyItem(
                atPath: TestEnvironment.repositoryRoot + "/registry/demo.yaml",
                toPath: folder.path + "/registry/demo.yaml"
            )
        }
        // As the daemon's composition root finishes the rule: the registry's artifact store is never a scoring target.
        var finished = locations ?? ScoringLocations(scoringDirectory: folder.path + "/scoring")
        finished.protectArtifactStore(artifacts.store, prefix: artifacts.prefix)
        return ModelServices(
            pool: pool,
            registry: ModelRegistry(pool: pool, artifacts: artifacts, logger: TestEnvironment.logger),
            cache: DetectorCache(artifacts: artifacts),
            specsDirectory: folder.path + "/registry",
            s3: s3,
            threads: 2,
            nomalyVersion: "test",
            scoringLocations: finished,
            maxInputBytes: maxInputBytes
        )
    }

    /// Loads one job file with the kinds over `services` (as `nomaly serve` does), then runs it as the scheduler would,
    /// with a real run row (scores reference it), on the kinds over `runWith` (another replica's settings) if given.
    static func run(_ yaml: String, name: String, services: ModelServices, runWith: ModelServices? = nil) async throws -> JSONValue? {
        let job = try load(yaml, name: name, services: services)
        let runner = runWith ?? services
        try await services.pool.execute(
            "INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ($1, $2, '@daily', 'x') ON CONFLICT DO NOTHING",
            [name, job.kind]
        )
        let runID = try await services.pool.query(
            "INSERT INTO job_runs (job_name, scheduled_at, trigger) VALUES ($1, now(), 'manual') RETURNING id",
            [name]
        ).first!.decode(Int64.self)
        var settings = JobSettings(job.settings)
        let runnable = try BuiltInKinds.registry(pool: runner.pool, models: runner)[job.kind]!.prepare(&settings)
        let context = RunContext(
            job: job,
            runID: runID,
            attempt: 1,
            scheduledAt: Date(),
            trigger: "manual",
            logger: TestEnvironment.logger,
            log: RunLog()
        )
        return try await runnable.run(context).result
    }

    static func load(_ yaml: String, name: String, services: ModelServices) throws -> JobSpec {
        try JobSpecLoader(kinds: BuiltInKinds.registry(pool: services.pool, models: services)).load(
            yaml,
            file: "jobs/\(name).yaml",
            defaultName: name
        )
    }

    /// Trains the demo spec as version 1 of `demo`, aliased production.
    static func trainDemo(_ services: ModelServices) async throws {
        _ = try await run("kind: train\nschedule: \"@daily\"\nwith: {model: demo}\n", name: "train", services: services)
    }
}

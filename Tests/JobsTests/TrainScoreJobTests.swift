import Foundation
import Jobs
import ObjectStore
import Postgres
import Registry
import Scheduler
import TestSupport
import Testing

@Suite("kind: train and kind: score, on the demo data (real Postgres, artifacts in a folder)")
struct TrainScoreJobTests {
    func services(_ pool: PostgresPool, folder: TemporaryFolder) throws -> ModelServices {
        let artifacts = ArtifactStore(store: FileStore(root: folder.path + "/artifacts"), prefix: "")
        try FileManager.default.createDirectory(atPath: folder.path + "/registry", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.repositoryRoot + "/registry/data", toPath: folder.path + "/registry/data")
        try FileManager.default.copyItem(atPath: TestEnvironment.repositoryRoot + "/registry/demo.yaml", toPath: folder.path + "/registry/demo.yaml")
        return ModelServices(
            pool: pool,
            registry: ModelRegistry(pool: pool, artifacts: artifacts, logger: TestEnvironment.logger),
            cache: DetectorCache(artifacts: artifacts),
            specsDirectory: folder.path + "/registry",
            s3: nil,
            threads: 2,
            nomalyVersion: "test"
        )
    }

    /// Runs one job file's kind as the scheduler would, with a real run row (scores reference it).
    func run(_ yaml: String, name: String, services: ModelServices) async throws -> SpecValue? {
        let kinds = BuiltInKinds.registry(pool: services.pool, models: services)
        let job = try JobSpecLoader(kinds: kinds).load(yaml, file: "jobs/\(name).yaml", defaultName: name)
        try await services.pool.execute(
            "INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ($1, $2, '@daily', 'x') ON CONFLICT DO NOTHING",
            [name, job.kind]
        )
        let runID = try await services.pool.query(
            "INSERT INTO job_runs (job_name, scheduled_at, trigger) VALUES ($1, now(), 'manual') RETURNING id",
            [name]
        ).first!.decode(Int64.self)
        var settings = JobSettings(job.settings)
        let runnable = try kinds[job.kind]!.prepare(&settings)
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

    @Test("train registers and promotes version 1, retraining keeps production where it is; score fills anomaly_scores with the production version")
    func cycle() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let services = try services(pool, folder: folder)
            let train = "kind: train\nschedule: \"0 2 * * *\"\nwith: {model: demo}\n"
            let first = try #require(try await run(train, name: "nightly-train", services: services)?.objectValue)
            #expect(first["version"] == .number(1))
            #expect(first["promotion"] == .string("promoted"))
            #expect(first["holdout_rows"] == .number(105))
            let holdoutAUC = first["metrics"]?.objectValue?["holdout"]?.objectValue?["roc_auc"]
            #expect(holdoutAUC == .number(1), "the demo's frauds are obvious: \(String(describing: holdoutAUC))")

            let second = try #require(try await run(train, name: "nightly-train", services: services)?.objectValue)
            #expect(second["version"] == .number(2))
            #expect(second["promotion"] == .string("kept"), "an equal ROC-AUC does not replace production")
            let production = try await services.registry.resolve(.alias(model: "demo", alias: "production"))
            #expect(production.version == 1)
            #expect(production.trainingRunId != nil && production.specHash?.count == 64)

            let score = """
                kind: score
                schedule: "30 2 * * *"
                with: {model: demo@production, input: \(folder.path)/registry/data/payments-today.csv, id: id, output: table}
                """
            let scored = try #require(try await run(score, name: "nightly-score", services: services)?.objectValue)
            #expect(scored["version"] == .number(1))
            #expect(scored["summary"]?.objectValue?["rows"] == .number(200))
            let stored = try await pool.query(
                "SELECT count(*) AS rows, count(*) FILTER (WHERE is_anomaly) AS anomalies, count(*) FILTER (WHERE row_key LIKE 'p2-%') AS keyed FROM anomaly_scores"
            ).first!
            #expect(try stored.decode(Int.self, column: "rows") == 200)
            #expect(try stored.decode(Int.self, column: "keyed") == 200)
            // payments-today.csv holds 5 frauds far from everything; a 3% contamination threshold flags them and few others.
            #expect((5...12).contains(try stored.decode(Int.self, column: "anomalies")))
        }
    }

    @Test("score reads a SQL query and writes a CSV file; an unknown alias fails the run with a clear message")
    func sqlToFile() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let services = try services(pool, folder: folder)
            _ = try await run("kind: train\nschedule: \"@daily\"\nwith: {model: demo}\n", name: "train", services: services)
            try await pool.execute("CREATE TABLE payments (id text, amount float8, hour int, velocity float8)")
            try await pool.execute("INSERT INTO payments VALUES ('a', 50, 12, 1.2), ('b', 2400, 3, 14), ('c,\"q\"', 70, 14, NULL)")
            let output = folder.path + "/out/scores.csv"
            let yaml = """
                kind: score
                schedule: "@daily"
                with: {model: "demo:1", sql: "SELECT id, amount, hour, coalesce(velocity, 1.5) AS velocity FROM payments ORDER BY id", id: id, output: \(output)}
                """
            _ = try await run(yaml, name: "score-sql", services: services)
            let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 4)
            #expect(lines[0] == "id,score,is_anomaly")
            #expect(lines[2].hasPrefix("b,") && lines[2].hasSuffix(",1"))
            #expect(lines[3].hasPrefix("\"c,\"\"q\"\"\","))

            await #expect {
                try await run(
                    "kind: score\nschedule: \"@daily\"\nwith: {model: demo@staging, sql: SELECT 1, output: /tmp/x.csv}\n",
                    name: "s2",
                    services: services
                )
            } throws: { error in
                "\(error)".contains("staging")
            }
        }
    }
}

import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONValues
import Jobs
import Postgres
import Scheduler
import ServiceLifecycle
import TestSupport
import Testing

extension APIHarness {
    func postScoringJob(_ json: String, token: String? = nil) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/scoring-jobs",
            method: .post,
            headers: bearer(token ?? tokens.operatorToken, contentType: "application/json"),
            body: ByteBuffer(string: json)
        ) { $0 }
    }

    /// Runs the queued run `id` with a real scheduler over `services` (the harness's own by default: another replica's
    /// settings otherwise) and returns it once it finished.
    func runQueued(_ id: Int64, services: ModelServices? = nil) async throws -> (record: RunRecord, logTail: String?) {
        let kinds = BuiltInKinds.registry(pool: pool, models: services ?? self.services)
        var configuration = SchedulerConfiguration(replicaID: "test")
        configuration.shutdownGrace = .seconds(5)
        let scheduler = Scheduler(store: RunStore(pool: pool), kinds: kinds, specs: [], configuration: configuration, logger: TestEnvironment.logger)
        let group = ServiceGroup(configuration: .init(services: [scheduler], logger: TestEnvironment.logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        let store = RunStore(pool: pool)
        try await waitFor(timeout: .seconds(60)) { try await store.run(id: id).record.status.isFinal }
        await group.triggerGracefulShutdown()
        _ = await running.result
        return try await store.run(id: id)
    }
}

/// The body of a 202 from `POST /api/v1/scoring-jobs`.
struct CreatedScoringJob: Decodable {
    let runId: Int64
    let job: String
    let status: String

    init(_ response: TestResponse) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        self = try decoder.decode(Self.self, from: Data(String(buffer: response.body).utf8))
    }
}

@Suite("POST /api/v1/scoring-jobs: batch scoring runs created over HTTP (real Postgres, a real scheduler)")
struct ScoringJobsTests {
    func post(_ harness: APIHarness, _ json: String, token: String? = nil) async throws -> TestResponse {
        try await harness.postScoringJob(json, token: token)
    }

    @Test("a queued run is executed by the scheduler and writes exactly the scores the scoring endpoint gives")
    func endToEnd() async throws {
        try await withTestAPI { harness in
            // A model name of its own: the counter is the process's, and other suites score `fraud` in jobs meanwhile.
            let expected = try await harness.registerFraudModel(name: "fraud-end-to-end")
            let metrics = MetricsEndpoint.standard(pool: nil)
            let jobRows = #"nomaly_rows_scored_total{model="fraud-end-to-end",source="job"}"#
            let rowsBefore = MetricsTests.value(jobRows, in: metrics.exposition) ?? 0
            try FileManager.default.copyItem(atPath: DemoData.today, toPath: harness.settings.scoringDirectory + "/today.csv")
            let response = try await post(harness, #"{"model": "fraud-end-to-end@production", "input": "today.csv", "output": "out/scores.csv"}"#)
            #expect(response.status == .accepted)
            let created = try CreatedScoringJob(response)
            #expect(created.job == "api.scoring" && created.status == "queued")
            #expect(response.headers[.location] == "/api/v1/runs/\(created.runId)")

            let (run, log) = try await harness.runQueued(created.runId)
            #expect(run.status == .succeeded, "\(run.error ?? "") \(log ?? "")")
            #expect(run.trigger == "api" && run.jobName == "api.scoring")
            #expect(run.spec?.objectValue?["with"]?.objectValue?["model"] == .string("fraud-end-to-end@production"))
            let written = try String(contentsOfFile: harness.settings.scoringDirectory + "/out/scores.csv", encoding: .utf8)
            let lines = written.split(separator: "\n")
            let scoreIndex = try #require(lines.first?.split(separator: ",").firstIndex(of: "score"))
            let scoreColumn = lines.dropFirst().map { Double($0.split(separator: ",")[scoreIndex]) }
            #expect(scoreColumn.count == expected.count)
            #expect(scoreColumn == expected, "the batch run and the scoring endpoint use the same model and code")
            #expect(MetricsTests.value(jobRows, in: metrics.exposition) == rowsBefore + Double(expected.count))

            try await harness.client.execute(uri: "/api/v1/runs/\(created.runId)", method: .get, headers: bearer(harness.tokens.viewer)) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body).contains(#""trigger":"api""#))
            }
            let audit = try await harness.pool.query("SELECT action FROM audit_log WHERE action = 'scoring_job.create'").decode(String.self)
            #expect(audit.count == 1)
        }
    }

    @Test(
        "viewers are refused; paths outside the scoring folder, any s3:// by default, existing outputs, missing inputs, unknown models and bad settings are 4xx and queue nothing"
    )
    func refusals() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            let folder = harness.settings.scoringDirectory
            try FileManager.default.copyItem(atPath: DemoData.today, toPath: folder + "/today.csv")
            try FileManager.default.createSymbolicLink(atPath: folder + "/escape", withDestinationPath: "/etc")
            try Data("precious\n".utf8).write(to: URL(fileURLWithPath: folder + "/existing.csv"))
            let cases: [(json: String, status: HTTPResponse.Status, code: String)] = [
                // NOMALY_SCORING_S3_PREFIXES is empty by default: no S3 at all.
                (#"{"model": "fraud", "input": "s3://data/in/today.csv", "output": "o.csv"}"#, .badRequest, "s3_not_allowed"),
                (#"{"model": "fraud", "input": "today.csv", "output": "s3://nomaly/artifacts/sha256/ab/x.tar.gz"}"#, .badRequest, "s3_not_allowed"),
                (#"{"model": "fraud", "input": "today.csv", "output": "existing.csv"}"#, .conflict, "output_exists"),
                (#"{"model": "fraud", "input": "today.csv", "output": "existing.csv", "overwrite": false}"#, .conflict, "output_exists"),
                (#"{"model": "fraud", "input": "today.csv", "output": "ftp://host/x.csv"}"#, .badRequest, "invalid_location"),
                (#"{"model": "fraud", "input": "/etc/passwd", "output": "o.csv"}"#, .badRequest, "outside_scoring_dir"),
                (#"{"model": "fraud", "input": "../../../../etc/passwd", "output": "o.csv"}"#, .badRequest, "outside_scoring_dir"),
                (#"{"model": "fraud", "input": "escape/passwd", "output": "o.csv"}"#, .badRequest, "outside_scoring_dir"),
                (#"{"model": "fraud", "input": "today.csv", "output": "escape/cron.d/x"}"#, .badRequest, "outside_scoring_dir"),
                (#"{"model": "fraud", "input": "missing.csv", "output": "o.csv"}"#, .badRequest, "invalid_settings"),
                (#"{"model": "fraud", "input": "today.csv", "output": "table:api_tokens", "id": "id"}"#, .badRequest, "invalid_settings"),
                (#"{"model": "fraud", "input": "today.csv", "output": "table"}"#, .badRequest, "invalid_settings"),
                (#"{"model": "nope", "input": "today.csv", "output": "o.csv"}"#, .notFound, "not_found"),
                (#"{"model": "fraud@", "input": "today.csv", "output": "o.csv"}"#, .badRequest, "invalid_name"),
                (#"{"model": "fraud", "input": "today.csv"}"#, .badRequest, "invalid_json"),
            ]
            for (json, status, code) in cases {
                let response = try await post(harness, json)
                #expect(response.status == status, "\(json): \(String(buffer: response.body))")
                #expect(errorCode(response) == code, "\(json): \(String(buffer: response.body))")
            }
            #expect(
                try await post(harness, #"{"model": "fraud", "input": "today.csv", "output": "o.csv"}"#, token: harness.tokens.viewer).status
                    == .forbidden
            )
            let queued = try await RunStore(pool: harness.pool).runs(job: "api.scoring", limit: 10)
            #expect(queued.isEmpty)
            #expect(try String(contentsOfFile: folder + "/existing.csv", encoding: .utf8) == "precious\n")
            // The job that holds these runs cannot be triggered by itself: it has no settings of its own.
            try await harness.client.execute(uri: "/api/v1/jobs/api.scoring/trigger", method: .post, headers: bearer(harness.tokens.operatorToken)) {
                #expect($0.status == .conflict)
            }
        }
    }
}

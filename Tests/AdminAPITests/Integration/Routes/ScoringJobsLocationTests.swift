import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jobs
import ObjectStore
import Registry
import Scheduler
import TestSupport
import Testing

/// What an operator token can reach through `POST /api/v1/scoring-jobs`: S3 only below NOMALY_SCORING_S3_PREFIXES,
/// never the artifact store or the backups, nothing overwritten unless asked, bounded inputs, errors without input
/// data. Real Postgres, the moto S3 server, a real scheduler.
@Suite("POST /api/v1/scoring-jobs keeps runs to the allowed locations (real Postgres, S3 and scheduler)")
struct ScoringJobsLocationTests {
    /// A bucket whose `in/` and `out/` scoring may use, the demo data at `in/today.csv`, and the off-site backups
    /// below `out/backups/`, inside an allowed prefix.
    struct Bucket {
        let store: S3Store
        func url(_ key: String) -> String { "s3://\(store.bucket)/\(key)" }

        static func make() async throws -> Bucket {
            let store = try await S3Buckets.makeStore(name: "api-scoring")
            try await store.put(file: DemoData.today, key: "in/today.csv", progress: nil)
            return Bucket(store: store)
        }

        func scoring(maxInputBytes: Int64 = 10 << 30) throws -> ScoringHarness {
            let bucket = store.bucket
            return ScoringHarness(
                s3: try S3Buckets.configuration(),
                locations: { locations in
                    locations.s3Prefixes = ["s3://\(bucket)/in/", "s3://\(bucket)/out/"]
                    locations.protected.append(
                        ProtectedLocation(name: "the off-site backups (NOMALY_BACKUP_S3)", place: .s3(bucket: bucket, prefix: "out/backups/"))
                    )
                },
                maxInputBytes: maxInputBytes
            )
        }
    }

    @Test("s3:// outside the prefixes and the backups inside them are 400 naming the rule; allowed objects are scored into S3")
    func s3Locations() async throws {
        let bucket = try await Bucket.make()
        try await withTestAPI(scoring: try bucket.scoring()) { harness in
            let expected = try await harness.registerFraudModel()
            for (input, output, code, phrase) in [
                (bucket.url("elsewhere/today.csv"), bucket.url("out/s.csv"), "s3_not_allowed", "NOMALY_SCORING_S3_PREFIXES"),
                (bucket.url("in/today.csv"), bucket.url("outbox/s.csv"), "s3_not_allowed", "NOMALY_SCORING_S3_PREFIXES"),
                (bucket.url("out/backups/20261201_020000/database.dump"), "o.csv", "protected_location", "the off-site backups (NOMALY_BACKUP_S3)"),
                (bucket.url("in/today.csv"), bucket.url("out/backups/x.csv"), "protected_location", "the off-site backups"),
                (bucket.url("in/today.csv"), bucket.url("out/../out/backups/x.csv"), "invalid_location", "a key without empty, '.' or '..' parts"),
            ] {
                let response = try await harness.postScoringJob(#"{"model": "fraud", "input": "\#(input)", "output": "\#(output)"}"#)
                #expect(response.status == .badRequest, "\(input) → \(output)")
                #expect(errorCode(response) == code, "\(String(buffer: response.body))")
                #expect(String(buffer: response.body).contains(phrase), "\(String(buffer: response.body))")
            }
            #expect(try await RunStore(pool: harness.pool).runs(job: "api.scoring", limit: 10).isEmpty)

            let response = try await harness.postScoringJob(
                #"{"model": "fraud", "input": "\#(bucket.url("in/today.csv"))", "output": "\#(bucket.url("out/scores.csv"))", "id": "id"}"#
            )
            #expect(response.status == .accepted, "\(String(buffer: response.body))")
            let (run, log) = try await harness.runQueued(try CreatedScoringJob(response).runId)
            #expect(run.status == .succeeded, "\(run.error ?? "") \(log ?? "")")
            let copy = harness.folder.path + "/scores.csv"
            try await bucket.store.get(key: "out/scores.csv", to: copy, progress: nil)
            #expect(try String(contentsOfFile: copy, encoding: .utf8).split(separator: "\n").count == expected.count + 1)
        }
    }

    @Test("a scoring folder that holds the artifact store does not expose it")
    func artifactsInsideScoringFolder() async throws {
        let parentOfScoring: @Sendable (inout HTTPSettings) -> Void = { $0.scoringDirectory += "/.." }
        try await withTestAPI(configure: parentOfScoring) { harness in
            _ = try await harness.registerFraudModel()
            let artifacts = harness.folder.path + "/artifacts"
            let stored = try #require(
                FileManager.default.enumerator(atPath: artifacts)?.allObjects.compactMap { $0 as? String }.first { $0.hasSuffix(".tar.gz") }
            )
            try FileManager.default.copyItem(atPath: DemoData.today, toPath: harness.folder.path + "/today.csv")
            for json in [
                #"{"model": "fraud", "input": "artifacts/\#(stored)", "output": "o.csv"}"#,
                #"{"model": "fraud", "input": "today.csv", "output": "artifacts/\#(stored)", "overwrite": true}"#,
                #"{"model": "fraud", "input": "today.csv", "output": "scoring/../artifacts/new.csv"}"#,
            ] {
                let response = try await harness.postScoringJob(json)
                #expect(response.status == .badRequest, "\(json)")
                #expect(errorCode(response) == "protected_location", "\(String(buffer: response.body))")
                #expect(String(buffer: response.body).contains("the artifact store (NOMALY_ARTIFACTS)"))
            }
        }
    }

    @Test("a run checks its locations again when it starts: a prefix removed since the request fails the run")
    func checkedAgainAtStart() async throws {
        let bucket = try await Bucket.make()
        try await withTestAPI(scoring: try bucket.scoring()) { harness in
            _ = try await harness.registerFraudModel()
            let response = try await harness.postScoringJob(
                #"{"model": "fraud", "input": "\#(bucket.url("in/today.csv"))", "output": "\#(bucket.url("out/scores.csv"))"}"#
            )
            #expect(response.status == .accepted)
            // The replica that runs it was restarted with NOMALY_SCORING_S3_PREFIXES=s3://BUCKET/out/.
            let current = harness.services
            var narrower = current.scoringLocations
            narrower.s3Prefixes = [bucket.url("out/")]
            let services = ModelServices(
                pool: current.pool,
                registry: current.registry,
                cache: current.cache,
                specsDirectory: current.specsDirectory,
                s3: current.s3,
                threads: current.threads,
                nomalyVersion: current.nomalyVersion,
                scoringLocations: narrower,
                maxInputBytes: current.maxInputBytes
            )
            let (run, _) = try await harness.runQueued(try CreatedScoringJob(response).runId, services: services)
            #expect(run.status == .failed)
            #expect(
                run.error?.contains("input '\(bucket.url("in/today.csv"))' is not below a prefix in NOMALY_SCORING_S3_PREFIXES") == true,
                "\(run.error ?? "")"
            )
            #expect(try await bucket.store.head(key: "out/scores.csv") == nil)
        }
    }

    @Test("a run resolves its files again when it starts: a folder turned into a link out of the scoring folder fails it")
    func pathsCheckedAgainAtStart() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            let scoring = harness.settings.scoringDirectory
            let manager = FileManager.default
            for folder in ["in", "out"] { try manager.createDirectory(atPath: scoring + "/" + folder, withIntermediateDirectories: true) }
            try manager.copyItem(atPath: DemoData.today, toPath: scoring + "/in/today.csv")
            try manager.copyItem(atPath: DemoData.today, toPath: scoring + "/today.csv")
            let reading = try await harness.postScoringJob(#"{"model": "fraud", "input": "in/today.csv", "output": "a.csv"}"#)
            let writing = try await harness.postScoringJob(#"{"model": "fraud", "input": "today.csv", "output": "out/b.csv"}"#)
            #expect(reading.status == .accepted && writing.status == .accepted)
            // Between the request and the run, someone with access to the folder swaps both folders for links.
            let elsewhere = harness.folder.path + "/elsewhere"
            try manager.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            try manager.moveItem(atPath: scoring + "/in/today.csv", toPath: elsewhere + "/today.csv")
            for folder in ["in", "out"] {
                try manager.removeItem(atPath: scoring + "/" + folder)
                try manager.createSymbolicLink(
                    atPath: scoring + "/" + folder,
                    withDestinationPath: folder == "in" ? elsewhere : harness.folder.path + "/artifacts"
                )
            }
            for (response, role) in [(reading, "input"), (writing, "output")] {
                let (run, _) = try await harness.runQueued(try CreatedScoringJob(response).runId)
                #expect(run.status == .failed)
                #expect(
                    run.error?.hasPrefix("\(role) '") == true && run.error?.contains("is outside the scoring folder") == true,
                    "\(run.error ?? "")"
                )
            }
            #expect(!manager.fileExists(atPath: scoring + "/a.csv"))
            #expect(!manager.fileExists(atPath: harness.folder.path + "/artifacts/b.csv"))
        }
    }

    @Test("existing outputs: a file is 409 unless overwrite is true; an object fails the run unless overwrite is true")
    func overwrite() async throws {
        let bucket = try await Bucket.make()
        try await withTestAPI(scoring: try bucket.scoring()) { harness in
            _ = try await harness.registerFraudModel()
            let folder = harness.settings.scoringDirectory
            try FileManager.default.copyItem(atPath: DemoData.today, toPath: folder + "/today.csv")
            try Data("precious\n".utf8).write(to: URL(fileURLWithPath: folder + "/scores.csv"))
            try await bucket.store.put(file: folder + "/scores.csv", key: "out/scores.csv", progress: nil)

            let refused = try await harness.postScoringJob(#"{"model": "fraud", "input": "today.csv", "output": "scores.csv"}"#)
            #expect(refused.status == .conflict)
            #expect(errorCode(refused) == "output_exists")
            let kept = try await harness.postScoringJob(#"{"model": "fraud", "input": "today.csv", "output": "\#(bucket.url("out/scores.csv"))"}"#)
            #expect(kept.status == .accepted)
            let (failed, _) = try await harness.runQueued(try CreatedScoringJob(kept).runId)
            #expect(failed.status == .failed)
            #expect(failed.error == "\(bucket.url("out/scores.csv")) already exists and is not replaced without overwrite: true")
            let object = harness.folder.path + "/object.csv"
            try await bucket.store.get(key: "out/scores.csv", to: object, progress: nil)
            #expect(try String(contentsOfFile: object, encoding: .utf8) == "precious\n")

            for output in ["scores.csv", bucket.url("out/scores.csv")] {
                let replaced = try await harness.postScoringJob(
                    #"{"model": "fraud", "input": "today.csv", "output": "\#(output)", "overwrite": true}"#
                )
                #expect(replaced.status == .accepted)
                let (run, log) = try await harness.runQueued(try CreatedScoringJob(replaced).runId)
                #expect(run.status == .succeeded, "\(run.error ?? "") \(log ?? "")")
            }
            #expect(try String(contentsOfFile: folder + "/scores.csv", encoding: .utf8).hasPrefix("score,is_anomaly\n"))
            try await bucket.store.get(key: "out/scores.csv", to: object, progress: nil)
            #expect(try String(contentsOfFile: object, encoding: .utf8).hasPrefix("score,is_anomaly\n"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["scores.csv", "today.csv"], "no temporary file left")
        }
    }

    @Test("an input larger than NOMALY_SCORING_MAX_INPUT fails its run with a message naming the setting")
    func inputLimit() async throws {
        let bucket = try await Bucket.make()
        let size = try #require(try await bucket.store.head(key: "in/today.csv")).size
        try await withTestAPI(scoring: try bucket.scoring(maxInputBytes: size - 1)) { harness in
            _ = try await harness.registerFraudModel()
            let response = try await harness.postScoringJob(
                #"{"model": "fraud", "input": "\#(bucket.url("in/today.csv"))", "output": "\#(bucket.url("out/scores.csv"))"}"#
            )
            #expect(response.status == .accepted)
            let (run, _) = try await harness.runQueued(try CreatedScoringJob(response).runId)
            #expect(run.status == .failed)
            #expect(run.error?.contains("larger than NOMALY_SCORING_MAX_INPUT allows (\(size - 1) bytes)") == true, "\(run.error ?? "")")
            #expect(try await bucket.store.head(key: "out/scores.csv") == nil)
        }
    }

    @Test("a run's error names the columns the model needs, never the input's first line")
    func errorWithoutInputData() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            let secret = "-----BEGIN OPENSSH PRIVATE KEY-----,b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"
            try Data((secret + "\nAAAA,BBBB\n").utf8).write(to: URL(fileURLWithPath: harness.settings.scoringDirectory + "/id_ed25519"))
            let response = try await harness.postScoringJob(#"{"model": "fraud", "input": "id_ed25519", "output": "o.csv"}"#)
            #expect(response.status == .accepted)
            let (run, log) = try await harness.runQueued(try CreatedScoringJob(response).runId)
            #expect(run.status == .failed)
            let error = run.error ?? ""
            #expect(error.contains("missing columns \"amount\", "), "\(error)")
            #expect(!error.contains("OPENSSH") && !error.contains("b3BlbnNzaC1rZXkt") && !error.contains("AAAA"), "\(error)")
            #expect(!(log ?? "").contains("OPENSSH"), "\(log ?? "")")
        }
    }
}

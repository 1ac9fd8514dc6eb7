import Foundation
import JSONValues
import Jobs
import ObjectStore
import Postgres
import Processes
import Registry
import Scheduler
import TestSupport
import Testing

/// `kind: score` and where it may read and write: S3 only below NOMALY_SCORING_S3_PREFIXES, never the artifact store or
/// the backups, checked at load and again at run start; no overwriting without `overwrite: true`; inputs streamed and
/// bounded; errors without input data. Real Postgres, the moto S3 server.
@Suite("kind: score confines its S3 locations, keeps existing outputs, streams bounded inputs (real Postgres and S3)")
struct ScoreLocationTests {
    /// A bucket of its own, with the demo's scoring data uploaded at `inbox/today.csv`.
    struct Bucket {
        let store: S3Store
        var name: String { store.bucket }
        func url(_ key: String) -> String { "s3://\(name)/\(key)" }

        static func make() async throws -> Bucket {
            let store = try await S3Buckets.makeStore(name: "score")
            try await store.put(file: TestEnvironment.repositoryRoot + "/registry/data/payments-today.csv", key: "inbox/today.csv", progress: nil)
            return Bucket(store: store)
        }
    }

    /// Services that may use `s3://BUCKET/inbox/` and `s3://BUCKET/out/`, with the backups protected below `out/`.
    func services(
        _ pool: PostgresPool,
        folder: TemporaryFolder,
        bucket: Bucket,
        prefixes: [String]? = nil,
        maxInputBytes: Int64 = 10 << 30
    ) throws -> ModelServices {
        try JobsHarness.services(
            pool,
            folder: folder,
            s3: try S3Buckets.configuration(),
            locations: ScoringLocations(
                s3Prefixes: prefixes ?? [bucket.url("inbox/"), bucket.url("out/")],
                protected: [
                    ProtectedLocation(name: "the off-site backups (NOMALY_BACKUP_S3)", place: .s3(bucket: bucket.name, prefix: "out/backups/"))
                ],
                scoringDirectory: folder.path + "/scoring"
            ),
            maxInputBytes: maxInputBytes
        )
    }

    static func score(input: String, output: String, with extra: String = "") -> String {
        "kind: score\nschedule: \"@daily\"\nwith: {model: demo@production, input: \"\(input)\", id: id, output: \"\(output)\"\(extra)}\n"
    }

    @Test("a job file naming s3:// outside the prefixes, or a protected location inside them, is refused as it loads")
    func refusedAtLoad() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await Bucket.make()
            let none = try services(pool, folder: folder, bucket: bucket, prefixes: [])
            let error = try #require(throws: JobSpecLoadError.self) {
                try JobsHarness.load(Self.score(input: bucket.url("inbox/today.csv"), output: "table"), name: "s", services: none)
            }
            #expect(error.problems.map(\.key) == ["with.input"])
            #expect(error.description.contains("NOMALY_SCORING_S3_PREFIXES (none are allowed)"), "\(error)")

            let allowed = try services(pool, folder: folder, bucket: bucket)
            let outside = try #require(throws: JobSpecLoadError.self) {
                try JobsHarness.load(
                    Self.score(input: bucket.url("inbox/today.csv"), output: bucket.url("elsewhere/x.csv")),
                    name: "s",
                    services: allowed
                )
            }
            #expect(outside.problems.map(\.key) == ["with.output"])
            let backups = try #require(throws: JobSpecLoadError.self) {
                try JobsHarness.load(Self.score(input: bucket.url("out/backups/db.dump"), output: "table"), name: "s", services: allowed)
            }
            #expect(backups.description.contains("the off-site backups (NOMALY_BACKUP_S3)"), "\(backups)")
        }
    }

    @Test("the artifact store in S3 is protected even when a prefix covers it, and a local artifact folder too")
    func artifactStoreProtected() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await Bucket.make()
            let artifacts = ArtifactStore(
                store: S3Store(configuration: try S3Buckets.configuration(), bucket: bucket.name, logger: TestEnvironment.logger),
                prefix: "inbox/models/"
            )
            let services = try JobsHarness.services(
                pool,
                folder: folder,
                artifacts: artifacts,
                s3: try S3Buckets.configuration(),
                locations: ScoringLocations(s3Prefixes: [bucket.url("inbox/")], scoringDirectory: folder.path + "/scoring")
            )
            let error = try #require(throws: JobSpecLoadError.self) {
                try JobsHarness.load(
                    Self.score(input: bucket.url("inbox/today.csv"), output: bucket.url("inbox/models/sha256/ab/x.tar.gz")),
                    name: "s",
                    services: services
                )
            }
            #expect(error.problems.count == 1)
            #expect(error.description.contains("the artifact store (NOMALY_ARTIFACTS)"), "\(error)")

            let local = try JobsHarness.services(pool, folder: folder)
            try await JobsHarness.trainDemo(local)
            await #expect {
                try await JobsHarness.run(
                    Self.score(input: folder.path + "/registry/data/payments-today.csv", output: folder.path + "/artifacts/x.csv"),
                    name: "s",
                    services: local
                )
            } throws: { "\($0)".contains("lies in the artifact store (NOMALY_ARTIFACTS)") }
            #expect(!FileManager.default.fileExists(atPath: folder.path + "/artifacts/x.csv"))
        }
    }

    @Test("a run checks its locations again when it starts, with the settings of the replica that runs it")
    func checkedAgainAtStart() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await Bucket.make()
            let loaded = try services(pool, folder: folder, bucket: bucket)
            try await JobsHarness.trainDemo(loaded)
            let narrower = try services(pool, folder: folder, bucket: bucket, prefixes: [bucket.url("out/")])
            await #expect {
                try await JobsHarness.run(
                    Self.score(input: bucket.url("inbox/today.csv"), output: bucket.url("out/scores.csv")),
                    name: "s",
                    services: loaded,
                    runWith: narrower
                )
            } throws: { "\($0)".contains("input 's3://\(bucket.name)/inbox/today.csv' is not below a prefix in NOMALY_SCORING_S3_PREFIXES") }
            #expect(try await bucket.store.head(key: "out/scores.csv") == nil)
        }
    }

    @Test("an s3:// input is streamed (plain and gzip) into the scores; one larger than NOMALY_SCORING_MAX_INPUT fails the run")
    func streamedAndBounded() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await Bucket.make()
            let gzipped = folder.path + "/today.csv.gz"
            let gzip = await NomalyProcess.collect(
                try ChildProcess.spawn(["sh", "-c", "gzip -c '\(TestEnvironment.repositoryRoot)/registry/data/payments-today.csv' > '\(gzipped)'"])
            )
            try #require(gzip.status == 0, "\(gzip.combinedOutput)")
            try await bucket.store.put(file: gzipped, key: "inbox/today.csv.gz", progress: nil)
            let size = try #require(try await bucket.store.head(key: "inbox/today.csv")).size

            let services = try services(pool, folder: folder, bucket: bucket, maxInputBytes: size)
            try await JobsHarness.trainDemo(services)
            for (key, output) in [("inbox/today.csv", "out/plain.csv"), ("inbox/today.csv.gz", "out/gzip.csv")] {
                let result = try #require(
                    try await JobsHarness.run(Self.score(input: bucket.url(key), output: bucket.url(output)), name: "s", services: services)?
                        .objectValue
                )
                #expect(result["summary"]?.objectValue?["rows"] == .integer(200), "\(key)")
                let copy = folder.path + "/" + (output as NSString).lastPathComponent
                try await bucket.store.get(key: output, to: copy, progress: nil)
                #expect(try String(contentsOfFile: copy, encoding: .utf8).split(separator: "\n").count == 201)
            }

            let small = try self.services(pool, folder: folder, bucket: bucket, maxInputBytes: size - 1)
            await #expect {
                try await JobsHarness.run(
                    Self.score(input: bucket.url("inbox/today.csv"), output: bucket.url("out/big.csv")),
                    name: "s",
                    services: small
                )
            } throws: {
                "\($0)"
                    == "input s3://\(bucket.name)/inbox/today.csv is larger than NOMALY_SCORING_MAX_INPUT allows (\(size - 1) bytes); raise the setting or split the input"
            }
            #expect(try await bucket.store.head(key: "out/big.csv") == nil)
        }
    }

    @Test("an existing output file or object is kept unless the job says overwrite: true")
    func overwrite() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await Bucket.make()
            let services = try services(pool, folder: folder, bucket: bucket)
            try await JobsHarness.trainDemo(services)
            let input = bucket.url("inbox/today.csv")
            let file = try folder.file("out/scores.csv", "precious\n")
            try await bucket.store.put(file: file, key: "out/scores.csv", progress: nil)

            for output in [file, bucket.url("out/scores.csv")] {
                await #expect {
                    try await JobsHarness.run(Self.score(input: input, output: output), name: "s", services: services)
                } throws: { "\($0)".hasSuffix("already exists and is not replaced without overwrite: true") }
            }
            #expect(try folder.read("out/scores.csv") == "precious\n")
            let kept = folder.path + "/kept.csv"
            try await bucket.store.get(key: "out/scores.csv", to: kept, progress: nil)
            #expect(try String(contentsOfFile: kept, encoding: .utf8) == "precious\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out") == ["scores.csv"], "no temporary file left")

            for output in [file, bucket.url("out/scores.csv")] {
                _ = try await JobsHarness.run(Self.score(input: input, output: output, with: ", overwrite: true"), name: "s", services: services)
            }
            #expect(try folder.read("out/scores.csv").hasPrefix("id,score,is_anomaly\n"))
            let replaced = folder.path + "/replaced.csv"
            try await bucket.store.get(key: "out/scores.csv", to: replaced, progress: nil)
            #expect(try String(contentsOfFile: replaced, encoding: .utf8).hasPrefix("id,score,is_anomaly\n"))
        }
    }

    @Test("a run's error names the missing columns and the input, never the input's first line")
    func errorWithoutInputData() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await Bucket.make()
            let secret = "AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
            try await bucket.store.put(file: try folder.file("secret.csv", secret + "\n1,2\n"), key: "inbox/secret.csv", progress: nil)
            let services = try services(pool, folder: folder, bucket: bucket)
            try await JobsHarness.trainDemo(services)
            let error = await #expect(throws: (any Error).self) {
                try await JobsHarness.run(Self.score(input: bucket.url("inbox/secret.csv"), output: "table"), name: "s", services: services)
            }
            let text = "\(error.map { "\($0)" } ?? "")"
            #expect(text.hasPrefix("s3://\(bucket.name)/inbox/secret.csv: missing columns \"id\", "), "\(text)")
            #expect(!text.contains("AKIA") && !text.contains("wJalr"), "\(text)")
        }
    }

    @Test("a job file's output folder swapped for a link into the artifact store after the check is not followed")
    func outputFolderSwappedAfterCheck() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            var services = try JobsHarness.services(pool, folder: folder)
            try await JobsHarness.trainDemo(services)
            try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: true)
            let artifacts = folder.path + "/artifacts"
            let before = try FileManager.default.subpathsOfDirectory(atPath: artifacts).sorted()
            services.afterLocationsChecked = {
                try FileManager.default.removeItem(atPath: folder.path + "/out")
                try FileManager.default.createSymbolicLink(atPath: folder.path + "/out", withDestinationPath: artifacts)
            }
            await #expect {
                try await JobsHarness.run(
                    Self.score(
                        input: folder.path + "/registry/data/payments-today.csv",
                        output: folder.path + "/out/scores.csv",
                        with: ", overwrite: true"
                    ),
                    name: "s",
                    services: services
                )
            } throws: { "\($0)".contains("a symbolic link is in the way, and none is followed here") }
            #expect(try FileManager.default.subpathsOfDirectory(atPath: artifacts).sorted() == before, "nothing added to the artifact store")
        }
    }
}

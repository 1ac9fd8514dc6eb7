import Foundation
import JSONValues
import Jobs
import ObjectStore
import Postgres
import Processes
import Scheduler
import TestSupport
import Testing

/// Scores go to their destination while the input is still being read, never staged on local disk: to S3 in parts,
/// into a table's COPY. The input here is a query that stops at row 400,000 until the test lets it go (an advisory
/// lock the test holds), so the destination can be looked at while the run is half-way. Inputs are bounded after
/// decompression. Real Postgres, the moto S3 server.
@Suite("kind: score streams scores to S3 and into COPY as they are produced, and bounds inputs after decompression")
struct ScoreStreamingTests {
    static let gateKey: Int64 = 7_216_004

    /// 420,000 rows of the demo's features; rows from 400,000 on wait for the advisory lock `gateKey`.
    static let gatedQuery = """
        SELECT 'p' || g AS id, (g % 200)::float8 AS amount, g % 24 AS hour, (g % 30) / 10.0 AS velocity
        FROM generate_series(1, 420000) AS g
        WHERE g < 400000 OR pg_advisory_xact_lock_shared(\(gateKey)) IS NOT NULL
        """

    static func score(sql: String, output: String, extra: String = "") -> String {
        "kind: score\nschedule: \"@daily\"\nwith: {model: demo@production, sql: \"\(sql.replacingOccurrences(of: "\n", with: " "))\", id: id, output: \"\(output)\"\(extra)}\n"
    }

    static func services(
        _ pool: PostgresPool,
        folder: TemporaryFolder,
        bucket: S3Store? = nil,
        maxInputBytes: Int64 = 10 << 30
    ) throws -> ModelServices {
        var s3 = try S3Buckets.configuration()
        s3.partSize = 5 << 20
        return try JobsHarness.services(
            pool,
            folder: folder,
            s3: s3,
            locations: ScoringLocations(
                s3Prefixes: bucket.map { ["s3://\($0.bucket)/out/", "s3://\($0.bucket)/in/"] } ?? [],
                scoringDirectory: folder.path + "/scoring"
            ),
            maxInputBytes: maxInputBytes
        )
    }

    /// Runs `yaml` while the test holds the gate, waits until `halfway` holds (the destination received scores while
    /// the input cannot have ended), then opens the gate and returns the run's result.
    static func runGated(
        _ yaml: String,
        services: ModelServices,
        halfway: @escaping @Sendable () async throws -> Bool
    ) async throws -> JSONValue? {
        try await services.pool.withConnection { gate in
            try await gate.execute("SELECT pg_advisory_lock($1)", [gateKey])
            let run = Task { try await JobsHarness.run(yaml, name: "gated", services: services) }
            do {
                try await waitFor(timeout: .seconds(120)) { try await halfway() }
            } catch {
                run.cancel()
                try await gate.execute("SELECT pg_advisory_unlock($1)", [gateKey])
                _ = try? await run.value
                throw error
            }
            try await gate.execute("SELECT pg_advisory_unlock($1)", [gateKey])
            return try await run.value
        }
    }

    /// `aws s3api list-parts` for the one multipart upload in progress at `key`; 0 when there is none.
    static func partsInProgress(_ store: S3Store, key: String) async throws -> Int {
        let endpoint = try TestEnvironment.require("S3_ENDPOINT")
        let uploads = await NomalyProcess.collect(
            try ChildProcess.spawn([
                "aws", "--endpoint-url", endpoint, "s3api", "list-multipart-uploads", "--bucket", store.bucket, "--prefix", key,
                "--query", "Uploads[].UploadId", "--output", "text",
            ])
        )
        guard let upload = uploads.standardOutput.split(whereSeparator: \.isWhitespace).first, upload != "None" else { return 0 }
        let parts = await NomalyProcess.collect(
            try ChildProcess.spawn([
                "aws", "--endpoint-url", endpoint, "s3api", "list-parts", "--bucket", store.bucket, "--key", key, "--upload-id", String(upload),
                "--query", "length(Parts)", "--output", "text",
            ])
        )
        return Int(parts.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    @Test("an s3:// output goes up in parts while the input is still being read")
    func s3PartsWhileScoring() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await S3Buckets.makeStore(name: "stream")
            let services = try Self.services(pool, folder: folder, bucket: bucket)
            try await JobsHarness.trainDemo(services)
            let result = try await Self.runGated(Self.score(sql: Self.gatedQuery, output: "s3://\(bucket.bucket)/out/scores.csv"), services: services)
            {
                try await Self.partsInProgress(bucket, key: "out/scores.csv") >= 1
            }
            #expect(result?.objectValue?["summary"]?.objectValue?["rows"] == .integer(420_000))
            let copy = folder.path + "/scores.csv"
            try await bucket.get(key: "out/scores.csv", to: copy, progress: nil)
            let lines = try String(contentsOfFile: copy, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 420_001)
            #expect(lines.first == "id,score,is_anomaly")
            #expect(try await Self.partsInProgress(bucket, key: "out/scores.csv") == 0, "the upload was completed, not left open")
        }
    }

    @Test("table output: rows enter the COPY while the input is still being read, and appear together at the end")
    func tableRowsWhileScoring() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let services = try Self.services(pool, folder: folder)
            try await JobsHarness.trainDemo(services)
            _ = try await Self.runGated(Self.score(sql: Self.gatedQuery, output: "table"), services: services) {
                let copied =
                    try await pool.query(
                        """
                        SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy
                        WHERE relid = 'anomaly_scores'::regclass AND datname = current_database()
                        """
                    ).first?.decode(Int64.self) ?? 0
                let visible = try await pool.query("SELECT count(*) FROM anomaly_scores").first!.decode(Int64.self)
                #expect(visible == 0, "rows appear only when the COPY ends")
                return copied > 0
            }
            #expect(try await pool.query("SELECT count(*) FROM anomaly_scores").first!.decode(Int64.self) == 420_000)
        }
    }

    @Test("a failure half-way leaves no rows in the table and no object or parts in S3")
    func failureLeavesNothing() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await S3Buckets.makeStore(name: "stream")
            let services = try Self.services(pool, folder: folder, bucket: bucket)
            try await JobsHarness.trainDemo(services)
            // Division by zero at row 300,000, after several chunks went to the destination.
            let failing = "SELECT 'p' || g AS id, 1.0 / (g - 300000) AS amount, g % 24 AS hour, 1.0 AS velocity FROM generate_series(1, 320000) AS g"
            for output in ["table", "s3://\(bucket.bucket)/out/scores.csv"] {
                await #expect(throws: (any Error).self, "\(output)") {
                    try await JobsHarness.run(Self.score(sql: failing, output: output), name: "failing", services: services)
                }
            }
            #expect(try await pool.query("SELECT count(*) FROM anomaly_scores").first!.decode(Int64.self) == 0)
            #expect(try await bucket.head(key: "out/scores.csv") == nil)
            #expect(try await Self.partsInProgress(bucket, key: "out/scores.csv") == 0, "the upload was aborted")
        }
    }

    @Test("NOMALY_SCORING_MAX_INPUT counts CSV bytes after decompression, for local files and s3:// objects alike")
    func boundAfterDecompression() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let bucket = try await S3Buckets.makeStore(name: "stream")
            // 2 MB of CSV that gzip makes a few KB: far below the 1 MiB limit as stored, far above it as read.
            let rows = String(repeating: "p1,10.5,3,0.5\n", count: 150_000)
            let plain = try folder.file("in/big.csv", "id,amount,hour,velocity\n" + rows)
            let gzipped = folder.path + "/in/big.csv.gz"
            let gzip = await NomalyProcess.collect(try ChildProcess.spawn(["sh", "-c", "gzip -c '\(plain)' > '\(gzipped)'"]))
            try #require(gzip.status == 0)
            let compressed = try #require(try FileManager.default.attributesOfItem(atPath: gzipped)[.size] as? Int)
            try #require(compressed < 1 << 20)
            try await bucket.put(file: gzipped, key: "in/big.csv.gz", progress: nil)

            let services = try Self.services(pool, folder: folder, bucket: bucket, maxInputBytes: 1 << 20)
            try await JobsHarness.trainDemo(services)
            for input in [gzipped, plain, "s3://\(bucket.bucket)/in/big.csv.gz"] {
                let output = folder.path + "/out/scores.csv"
                await #expect {
                    try await JobsHarness.run(
                        "kind: score\nschedule: \"@daily\"\nwith: {model: demo@production, input: \"\(input)\", id: id, output: \"\(output)\"}\n",
                        name: "big",
                        services: services
                    )
                } throws: { error in
                    "\(error)".contains("holds more than NOMALY_SCORING_MAX_INPUT allows (1048576 bytes of CSV, counted after decompression)")
                }
                #expect(!FileManager.default.fileExists(atPath: output), "\(input)")
            }
        }
    }
}

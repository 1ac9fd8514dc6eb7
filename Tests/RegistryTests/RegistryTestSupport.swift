import Datasets
import Foundation
import Modeling
import ObjectStore
import Postgres
import Processes
import Registry
import TestSupport
import Testing

/// Real model artifacts, trained in a few milliseconds on a small generated CSV.
enum ModelFactory {
    /// Clustered rows with ids and a label, and one far-away outlier; `seed` varies the values.
    static func csv(rows: Int = 120, seed: UInt64) -> String {
        // A fixed linear congruential generator, so the data is the same on every machine.
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var lines = ["id,a,b,c,label"]
        for row in 0..<rows {
            lines.append("r\(row),\(uniform()),\(uniform() * 2),\(uniform() - 0.5),0")
        }
        lines.append("outlier,9.5,-8,7,1")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Trains an isolation forest and writes its tarball in `folder`; different seeds give different artifacts.
    /// - Returns: the tarball's path.
    static func artifact(in folder: TemporaryFolder, seed: UInt64 = 1) async throws -> String {
        let input = try folder.file("train-\(seed).csv", csv(seed: seed))
        let request = TrainingRequest(
            detector: "isolation-forest",
            parameters: .init(trees: 5, seed: seed),
            selection: .init(id: "id", label: "label"),
            nomalyVersion: "test"
        )
        let output = folder.path + "/model-\(seed).tar.gz"
        _ = try await ModelTrainer.fit(csv: input, request: request, output: output)
        return output
    }
}

/// A registry over a scratch database and a store, and what tests check about both.
struct RegistryHarness {
    let pool: PostgresPool
    let registry: ModelRegistry

    var artifacts: ArtifactStore { registry.artifacts }

    init(pool: PostgresPool, store: any ObjectStore, prefix: String = "models/") {
        self.pool = pool
        registry = ModelRegistry(pool: pool, artifacts: ArtifactStore(store: store, prefix: prefix), logger: TestEnvironment.logger)
    }

    /// A registry whose artifacts are files under `folder/store`.
    static func files(_ pool: PostgresPool, _ folder: TemporaryFolder) -> RegistryHarness {
        RegistryHarness(pool: pool, store: FileStore(root: folder.path + "/store"))
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await pool.query(sql, parameters).first!.decode(Int.self)
    }

    /// Keys of every object in the store, artifacts or not.
    func storedKeys() async throws -> [String] {
        try await artifacts.store.list(prefix: "").map(\.key)
    }
}

/// Runs `body` and checks that it fails with a ``RegistryError`` of `code` whose message contains `text`.
func expectRegistryError(
    _ code: RegistryError.Code,
    _ text: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a \(code) error, but it succeeded", sourceLocation: sourceLocation)
    } catch let error as RegistryError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        if let text {
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a RegistryError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// An object store that refuses every upload, to show that the registry writes no row without its artifact.
struct FailingStore: ObjectStore {
    var locationDescription: String { "failing://store" }

    func put(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        throw ObjectStoreError(code: .transport, message: "the network is down (test)")
    }

    func get(key: String, to path: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        throw ObjectStoreError(code: .notFound, message: "nothing here (test)")
    }

    func head(key: String) async throws -> ObjectInfo? { nil }
    func list(prefix: String) async throws -> [ObjectInfo] { [] }
    func delete(key: String) async throws {}
}

/// The moto S3 server that `scripts/test` started, with buckets made by the aws CLI.
enum S3Buckets {
    static func configuration() throws -> S3Configuration {
        var configuration = S3Configuration(
            endpoint: URL(string: try TestEnvironment.require("S3_ENDPOINT")),
            region: "us-east-1",
            accessKeyID: try TestEnvironment.require("AWS_ACCESS_KEY_ID"),
            secretAccessKey: try TestEnvironment.require("AWS_SECRET_ACCESS_KEY")
        )
        configuration.retryBaseDelay = .milliseconds(100)
        return configuration
    }

    /// A new empty bucket and a store over it with `prefix`.
    static func makeStore(prefix: String = "") async throws -> S3Store {
        let bucket = "nomaly-" + TestEnvironment.uniqueName("registry").replacingOccurrences(of: "_", with: "-")
        let command = ["aws", "--endpoint-url", try TestEnvironment.require("S3_ENDPOINT"), "s3api", "create-bucket", "--bucket", bucket]
        let child = try ChildProcess.spawn(command)
        let result = await NomalyProcess.collect(child)
        guard result.status == 0 else { throw ToolFailure(description: "aws s3api create-bucket failed: \(result.combinedOutput)") }
        return S3Store(configuration: try configuration(), bucket: bucket, prefix: prefix, logger: TestEnvironment.logger)
    }

    struct ToolFailure: Error, CustomStringConvertible {
        let description: String
    }
}

import AdminAPI
import Audit
import Datasets
import Detectors
import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Modeling
import ObjectStore
import Postgres
import Registry
import Scheduler
import TestSupport

/// Tokens of each role, created for every test API.
struct APITokens: Sendable {
    let viewer: String
    let operatorToken: String
    let admin: String
}

/// What a test of the /api/v1 routes works with.
struct APIHarness: Sendable {
    let client: any TestClientProtocol
    let tokens: APITokens
    let pool: PostgresPool
    let registry: ModelRegistry
    let folder: TemporaryFolder
    /// The score and train kinds over the same registry, as the daemon's scheduler runs them.
    let services: ModelServices
    let settings: HTTPSettings
}

/// A scratch database with the schema, a registry over a folder, a token per role, and the API served on a random
/// port of 127.0.0.1 (`.live`: requests go through the real HTTP server, its limits and its TLS).
func withTestAPI(
    rateLimiter: RateLimiter? = nil,
    lockout: FailedAttemptLimiter = FailedAttemptLimiter(),
    probes: [ReadinessProbe] = [],
    uploadLimit: Int64 = 100 << 20,
    bodyLimit: Int = 50 << 20,
    configure: @Sendable (inout HTTPSettings) -> Void = { _ in },
    extraRoutes: @Sendable (Router<NomalyRequestContext>) -> Void = { _ in },
    scoring: ScoringHarness = ScoringHarness(),
    _ body: @escaping @Sendable (APIHarness) async throws -> Void
) async throws {
    try await ScratchDatabase.withSchema { pool, _ in
        let folder = try TemporaryFolder()
        let registry = ModelRegistry(
            pool: pool,
            artifacts: ArtifactStore(store: FileStore(root: folder.path + "/artifacts"), prefix: ""),
            logger: TestEnvironment.logger
        )
        let store = TokenStore(pool: pool)
        let tokens = APITokens(
            viewer: try await store.create(name: "dashboard", role: .viewer, expiresIn: nil).token,
            operatorToken: try await store.create(name: "ci", role: .operator, expiresIn: nil).token,
            admin: try await store.create(name: "alice", role: .admin, expiresIn: nil).token
        )
        var settings = HTTPSettings(scoringDirectory: folder.path + "/scoring")
        settings.uploadLimit = uploadLimit
        settings.bodyLimit = bodyLimit
        configure(&settings)
        let finalSettings = settings
        var locations = ScoringLocations(scoringDirectory: settings.scoringDirectory)
        scoring.locations(&locations)
        // As the daemon's composition root finishes the rule: the registry's artifact store is never a scoring target.
        locations.protectArtifactStore(registry.artifacts.store, prefix: registry.artifacts.prefix)
        let services = ModelServices(
            pool: pool,
            registry: registry,
            cache: DetectorCache(artifacts: registry.artifacts),
            specsDirectory: folder.path + "/registry",
            s3: scoring.s3,
            threads: 2,
            nomalyVersion: "test",
            scoringLocations: locations,
            maxInputBytes: scoring.maxInputBytes
        )
        try FileManager.default.createDirectory(atPath: settings.scoringDirectory, withIntermediateDirectories: true)
        let api = APIDependencies(
            tokens: store,
            runs: RunStore(pool: pool),
            registry: registry,
            audit: AuditLog(pool: pool),
            kinds: BuiltInKinds.registry(pool: pool, models: services),
            lockout: lockout,
            rateLimiter: rateLimiter,
            cache: services.cache,
            scoringLocations: locations
        )
        let router = AdminServer.router(
            version: "1",
            probes: probes,
            api: api,
            settings: settings,
            scoring: ScoringSettings(maxInputBytes: scoring.maxInputBytes, maxRows: scoring.maxRows)
        )
        extraRoutes(router)
        // As in `nomaly serve`: revocations by other processes reach this server's token cache.
        let (listening, signal) = AsyncStream<Void>.makeStream()
        let revocations = Task {
            try await TokenRevocationListener(tokens: store, logger: TestEnvironment.logger, onListening: { signal.yield() }).run()
        }
        defer { revocations.cancel() }
        for await _ in listening { break }
        let app = Application(
            router: router,
            server: try AdminServer.server(settings)
        )
        try await app.test(.live) { client in
            try await body(
                APIHarness(
                    client: client,
                    tokens: tokens,
                    pool: pool,
                    registry: registry,
                    folder: folder,
                    services: services,
                    settings: finalSettings
                )
            )
        }
    }
}

/// What the scoring runs of a test API may reach: S3 settings, the prefixes and protected locations (the scoring
/// folder is the harness's own), and the input size limit.
struct ScoringHarness: Sendable {
    var s3: S3Configuration?
    var locations: @Sendable (inout ScoringLocations) -> Void = { _ in }
    var maxInputBytes: Int64 = 10 << 30
    /// `NOMALY_SCORING_MAX_ROWS` of the synchronous scoring routes.
    var maxRows = 1_000_000
}

/// The payments data the demo model is trained and scored on.
enum DemoData {
    static let train = TestEnvironment.repositoryRoot + "/registry/data/payments-train.csv"
    static let today = TestEnvironment.repositoryRoot + "/registry/data/payments-today.csv"
}

extension APIHarness {
    /// Registers a small isolation forest as `name` version 1, aliased `production`.
    /// - Returns: the scores `nomaly score` gives it for every row of ``DemoData/today``, in order.
    func registerFraudModel(name: String = "fraud") async throws -> [Double] {
        let artifact = try await trainArtifact(seed: 3, trees: 20, in: folder)
        _ = try await registry.register(model: name, artifact: artifact, actor: "test")
        try await registry.promote(model: name, version: 1, alias: "production", actor: "test")
        let model = try await ModelArtifact.load(artifact)
        let rows = try Dataset.load(
            csv: DemoData.today,
            selection: ColumnSelection(features: model.manifest.featureNames, id: "id", label: "is_fraud")
        )
        return model.detector.score(FeatureMatrix(rowCount: rows.rowCount, columnCount: rows.featureCount, values: rows.features))
    }
}

/// Trains a small isolation forest on ``DemoData/train`` into a model tarball in `folder`.
/// - Returns: the tarball's path.
func trainArtifact(seed: UInt64, trees: Int = 10, in folder: TemporaryFolder) async throws -> String {
    let output = folder.path + "/m\(seed)-\(trees).tar.gz"
    _ = try await ModelTrainer.fit(
        csv: DemoData.train,
        request: TrainingRequest(
            detector: "isolation-forest",
            parameters: DetectorParameters(trees: trees, seed: seed),
            selection: .init(id: "id", label: "is_fraud"),
            nomalyVersion: "test"
        ),
        output: output
    )
    return output
}

/// `Authorization: Bearer …`, plus a content type when given.
func bearer(_ token: String?, contentType: String? = nil) -> HTTPFields {
    var fields: HTTPFields = [:]
    if let token { fields[.authorization] = "Bearer \(token)" }
    if let contentType { fields[.contentType] = contentType }
    return fields
}

/// The `error.code` of a JSON error body.
func errorCode(_ response: TestResponse) -> String? {
    struct Body: Decodable {
        struct Detail: Decodable { let code: String }
        let error: Detail
    }
    return try? JSONDecoder().decode(Body.self, from: Data(String(buffer: response.body).utf8)).error.code
}

/// Runs a program (through `env`, so PATH finds it) without holding one of the few cooperative threads the server under
/// test needs: it waits on a termination handler. Standard output and error go through one file, so a long report never
/// fills a pipe; the program runs in a scratch folder, so tools that leave state behind keep it out of the checkout.
enum ExternalProgram {
    static func run(_ arguments: [String], input: String = "") async throws -> (exitCode: Int32, output: String) {
        let folder = try TemporaryFolder("nomaly-program")
        let inputPath = try folder.file("input", input)
        let outputPath = try folder.file("output", "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try output.close()
        return (status, try folder.read("output"))
    }
}

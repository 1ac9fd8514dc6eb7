import AdminAPI
import Audit
import Datasets
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
import Testing

@Suite("GET /openapi.json: the document names every route, validates, and describes what a live server answers")
struct OpenAPITests {
    /// `(method, path)` in the document's spelling: `GET /api/v1/jobs/{name}`.
    struct Route: Hashable, Comparable, CustomStringConvertible {
        let method: String
        let path: String

        var description: String { "\(method) \(path)" }
        static func < (lhs: Route, rhs: Route) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    }

    static func document(version: String = "0.0.0-test") throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json(version: version).utf8))
        return try #require(object as? [String: Any])
    }

    static func documentedRoutes() throws -> Set<Route> {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        return Set(paths.flatMap { path, item in item.keys.filter(methods.contains).map { Route(method: $0.uppercased(), path: path) } })
    }

    /// The router's routes with path parameters spelt as OpenAPI does (`{name}`; `:name` too, should one appear).
    static func normalised(_ path: String) -> String {
        let components = path.split(separator: "/").map { component in
            component.hasPrefix(":") ? "{\(component.dropFirst())}" : String(component)
        }
        return "/" + components.joined(separator: "/")
    }

    /// Dependencies for building the router alone: the pool points at a port nothing listens on, so any query fails.
    static func withRouterDependencies<Result>(
        rateLimiter: RateLimiter = RateLimiter(perMinute: 60, burst: 10),
        _ body: (APIDependencies) async throws -> Result
    ) async throws -> Result {
        let pool = PostgresPool(
            configuration: .init(connectionString: "postgresql://nobody@127.0.0.1:9/none", maximumConnections: 1),
            logger: TestEnvironment.logger
        )
        let folder = try TemporaryFolder()
        let registry = ModelRegistry(
            pool: pool,
            artifacts: ArtifactStore(store: FileStore(root: folder.path), prefix: ""),
            logger: TestEnvironment.logger
        )
        let api = APIDependencies(
            tokens: TokenStore(pool: pool),
            runs: RunStore(pool: pool),
            registry: registry,
            audit: AuditLog(pool: pool),
            kinds: BuiltInKinds.registry(pool: nil),
            rateLimiter: rateLimiter,
            scoringLocations: ScoringLocations(scoringDirectory: "scoring")
        )
        do {
            let result = try await body(api)
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }

    @Test("the document's operations are exactly the router's routes, plus GET /metrics that withMetrics serves ahead of it")
    func routeParity() async throws {
        let routed = try await Self.withRouterDependencies { api in
            AdminServer.router(version: "1", probes: [], api: api).routes.map {
                Route(method: $0.method.rawValue, path: Self.normalised($0.path.description))
            }
        }
        #expect(Set(routed).count == routed.count, "the router lists a route twice: \(routed.sorted())")
        // `nomaly serve` wraps the application `withMetrics`, whose MeteredResponder answers GET /metrics before the
        // router sees the request: it is served, but not a route.
        let served = Set(routed).union([Route(method: "GET", path: MetricsEndpoint.path)])
        let documented = try Self.documentedRoutes()
        let undocumented = served.subtracting(documented).sorted()
        let unrouted = documented.subtracting(served).sorted()
        #expect(undocumented.isEmpty, "routes the document lacks: \(undocumented)")
        #expect(unrouted.isEmpty, "documented operations no route serves: \(unrouted)")
    }

    @Test("every operation has an id, a summary, a tag, and the security and failures its access implies")
    func operationsAreComplete() throws {
        let document = try Self.document(version: "9.8.7")
        #expect(document["openapi"] as? String == "3.1.0")
        #expect((document["info"] as? [String: Any])?["version"] as? String == "9.8.7")
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        var ids: [String] = []
        var open: Set<String> = []
        for (path, item) in paths {
            for (method, operation) in item {
                let name = "\(method.uppercased()) \(path)"
                ids.append(try #require(operation["operationId"] as? String, "\(name) has no operationId"))
                #expect((operation["summary"] as? String)?.isEmpty == false, "\(name) has no summary")
                #expect((operation["tags"] as? [String])?.count == 1, "\(name) has no tag")
                let responses = try #require(operation["responses"] as? [String: [String: Any]], "\(name) has no responses")
                #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(name) documents no success")
                let security = try #require(operation["security"] as? [[String: Any]], "\(name) states no security")
                if security.isEmpty {
                    open.insert(path)
                } else {
                    #expect(responses["401"] != nil, "\(name) needs a token but documents no 401")
                    #expect(operation["x-nomaly-role"] is String, "\(name) names no role")
                }
                if let tooMany = responses["429"] {
                    let headers = tooMany["headers"] as? [String: [String: Any]]
                    #expect(headers?["Retry-After"]?["required"] as? Bool == true, "\(name): 429 without Retry-After")
                }
                for (status, response) in responses where status.hasPrefix("4") || status.hasPrefix("5") {
                    let schema = ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                    // /ready answers its checks with 503, or the error envelope when the request timed out.
                    let refs = (schema?["anyOf"] as? [[String: Any]] ?? [schema ?? [:]]).compactMap { $0["$ref"] as? String }
                    let expected = name == "GET /ready" && status == "503" ? ["Readiness", "Error"] : ["Error"]
                    #expect(refs == expected.map { "#/components/schemas/" + $0 }, "\(name): \(status) is not the error envelope")
                }
            }
        }
        #expect(Set(ids).count == ids.count, "operationIds repeat: \(ids.sorted())")
        #expect(open == ["/health", "/ready", "/metrics", "/openapi.json"])
        let roles = try #require((document["components"] as? [String: [String: [String: Any]]])?["schemas"]?["Role"]?["enum"] as? [String])
        #expect(roles == ["viewer", "operator", "admin"])
    }

    @Test("openapi-spec-validator accepts the document as OpenAPI 3.1")
    func specValidator() async throws {
        let script = """
            import json, sys
            from openapi_spec_validator import validate
            from openapi_spec_validator.validation import OpenAPIV31SpecValidator
            validate(json.load(sys.stdin), cls=OpenAPIV31SpecValidator)
            print("valid")
            """
        try await PythonTool.require(module: "openapi_spec_validator", package: "openapi-spec-validator")
        let result = try await PythonTool.run(["-c", script], input: OpenAPIDocument.json(version: "1.2.3"))
        #expect(result.exitCode == 0 && result.output.contains("valid"), "openapi-spec-validator: \(result.output)")
    }

    @Test(
        "schemathesis finds no server error and no answer outside the document on a live server (real Postgres)",
        .timeLimit(.minutes(5))
    )
    func schemathesis() async throws {
        try await PythonTool.require(module: "schemathesis", package: "schemathesis>=4.32,<5")
        try await withTestAPI { harness in
            try await Self.addDemoData(harness)
            let base = "http://localhost:\(try #require(harness.client.port))"
            // The served document is the one under test.
            let served = await HTTPProbe.get(base + OpenAPIDocument.path)
            #expect(served?.status == 200, "GET /openapi.json answered \(served.map { "\($0.status)" } ?? "nothing")")
            #expect(served?.body == OpenAPIDocument.json(version: "1"), "GET /openapi.json serves another document")

            let folder = try TemporaryFolder("nomaly-openapi")
            let schema = try folder.file("openapi.json", OpenAPIDocument.json(version: "1"))
            let arguments = Self.schemathesisArguments(schema: schema, base: base, token: harness.tokens.admin)
            let result = try await PythonTool.run(["-c", PythonTool.schemathesisMain] + arguments, input: "")
            #expect(result.exitCode == 0, "schemathesis \(arguments.joined(separator: " ")) failed:\n\(result.output.suffix(20_000))")
            // A run that revoked its own token would have met nothing but 401s from then on.
            let identity = try await TokenStore(pool: harness.pool).authenticate(harness.tokens.admin)
            #expect(identity != nil, "schemathesis revoked the token it tested with")
        }
    }

    /// What makes the answers worth checking: the model `fraud` with two versions (`production` → 1), a job with a run,
    /// and an input file in the scoring folder.
    static func addDemoData(_ harness: APIHarness) async throws {
        _ = try await harness.registerFraudModel()
        let second = try await trainArtifact(seed: 4, in: harness.folder)
        _ = try await harness.registry.register(model: "fraud", artifact: second, description: "seed 4", actor: "test")
        let runs = RunStore(pool: harness.pool)
        let spec = try JobSpecLoader(kinds: nil).load(
            "kind: command\nschedule: \"@daily\"\nwith: {command: [\"true\"]}\n",
            file: "jobs/nightly.yaml",
            defaultName: "nightly"
        )
        _ = try await runs.syncCatalog([spec], removeMissing: false)
        _ = try await runs.trigger(job: "nightly")
        try FileManager.default.copyItem(atPath: DemoData.today, toPath: harness.settings.scoringDirectory + "/today.csv")
    }

    /// The checks are those about the server and the document: no 5xx, and every status, content type, header and body
    /// as documented. `/metrics` is left out: the harness serves the router without the `withMetrics` wrapper that
    /// answers it (MetricsTests checks it with prometheus_client). Security parameters are not generated: a fuzzed
    /// token would count as a failed attempt and soon lock the test's address out. One worker: hypothesis parses
    /// lambdas' source with `ast.parse`, which CPython 3.11 does not allow from two threads at once ("AST constructor
    /// recursion depth mismatch"). The seed keeps a failure reproducible; the bounds keep the run near half a minute.
    static func schemathesisArguments(schema: String, base: String, token: String) -> [String] {
        [
            "run", schema,
            "--url", base,
            "--header", "Authorization: Bearer \(token)",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance",
            "--exclude-path", MetricsEndpoint.path,
            "--phases", "examples,coverage,fuzzing,stateful",
            "--max-examples", "40",
            "--seed", "20261129",
            "--workers", "1",
            "--request-timeout", "20",
            "--generation-with-security-parameters", "false",
            "--generation-database", "none",
            "--no-color",
        ]
    }
}

/// Runs `python3` for the reference tools (openapi-spec-validator, schemathesis).
enum PythonTool {
    /// schemathesis's command line, started through its entry point so that no script directory needs to be on PATH.
    static let schemathesisMain = "import sys; from schemathesis.cli import schemathesis; schemathesis(prog_name='schemathesis')"

    /// Installs `package` when `module` does not import: scripts/test installs both, this covers a bare `swift test`.
    static func require(module: String, package: String) async throws {
        if try await run(["-c", "import \(module)"], input: "").exitCode != 0 {
            let install = try await run(["-m", "pip", "install", "--quiet", package], input: "")
            #expect(install.exitCode == 0, "pip install \(package): \(install.output)")
        }
    }

    /// Runs `python3 ARGUMENTS` with `input` on its standard input.
    static func run(_ arguments: [String], input: String) async throws -> (exitCode: Int32, output: String) {
        try await ExternalProgram.run(["python3"] + arguments, input: input)
    }
}

import Foundation
import Postgres
import Processes
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The listings that exist both as `nomaly … --json` and over the API, from the real binary and a real `nomaly serve`
/// on one database: each pair must have the same fields, and within a listing every item the same fields (a member
/// without a value is `null`, never left out). docs/api.md promises the API's bodies are the CLI's.
@Suite("CLI --json and the API answer the same fields, and every item of a listing has them all")
struct CLIAPIContractTests {
    /// `nomaly ARGUMENTS --json` and the API path that answers the same listing, with the member of the API's answer
    /// that holds it when the API pages it.
    struct Pair: CustomStringConvertible {
        let cli: [String]
        let api: String
        var member: String? = nil

        var description: String { "nomaly \(cli.joined(separator: " ")) ↔ GET \(api)" }
    }

    @Test("jobs, runs, models, versions, alias history and tokens: the CLI's fields are the API's", .timeLimit(.minutes(10)))
    func listingsAgree() async throws {
        let folder = try TemporaryFolder("nomaly-contract")
        let jobs = folder.path + "/jobs"
        try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
        try "kind: command\nschedule: \"@yearly\"\nwith: {command: [sh, -c, 'echo done']}\n"
            .write(toFile: jobs + "/ok.yaml", atomically: true, encoding: .utf8)
        try await ScratchDatabase.with { pool, scratch in
            let port = HTTPProbe.freePort()
            let shared = [
                "DATABASE_URL": scratch.connectionString, "NOMALY_HOME": folder.path + "/home", "NOMALY_ARTIFACTS": folder.path + "/artifacts",
                "NOMALY_JOBS_DIR": jobs, "USER": "tester",
            ]
            // The limits are not under test here; a dozen requests in a row must not meet them.
            let server = shared.merging(["NOMALY_HTTP_PORT": "\(port)", "RATE_LIMIT_ENABLED": "false"]) { $1 }
            let serve = try NomalyProcess.start(["serve"], environment: server)
            let served = Task { await NomalyProcess.collect(serve) }
            defer { serve.signal(SIGTERM) }
            let base = "http://127.0.0.1:\(port)"
            let ready = await HTTPProbe.waitUntilOK(base + "/ready", timeout: .seconds(120))
            try #require(ready?.status == 200, "serve did not become ready: \(ready?.body ?? "no answer")")
            let cli = shared.merging(["LOG_LEVEL": "warning"]) { $1 }

            func run(_ arguments: [String]) async throws -> ChildProcess.Result {
                let result = try await NomalyProcess.run(arguments, environment: cli)
                #expect(result.status == 0, "nomaly \(arguments.joined(separator: " ")): \(result.combinedOutput)")
                return result
            }
            let created = try await run(["tokens", "create", "--name", "contract", "--role", "admin", "--json"])
            let token = try #require((try Self.parse(created.standardOutput) as? [String: Any])?["token"] as? String)
            let outcome = try await run(["jobs", "run", "ok", "--wait", "--json"])
            let runID = try #require((try Self.parse(outcome.standardOutput) as? [String: Any])?["id"] as? Int)
            let data = TestEnvironment.repositoryRoot + "/registry/data/payments-train.csv"
            for seed in ["1", "2"] {
                let model = folder.path + "/m\(seed).tar.gz"
                _ = try await run([
                    "fit", "--detector", "isolation-forest", "--input", data, "--id", "id", "--label", "is_fraud", "--seed", seed, "--output", model,
                ])
                _ = try await run(["models", "register", "fraud", "--artifact", model])
            }
            // A first promotion (from no version) and a removal (to no version): the changes whose versions are null.
            _ = try await run(["models", "promote", "fraud", "1"])
            _ = try await run(["models", "promote", "fraud", "2"])
            let removed = try await Self.request("DELETE", base + "/api/v1/models/fraud/aliases/production?reason=contract", token: token)
            #expect(removed.status == 200, "\(removed.body)")

            let pairs = [
                Pair(cli: ["jobs", "list"], api: "/api/v1/jobs"),
                Pair(cli: ["jobs", "history", "ok"], api: "/api/v1/runs?job=ok", member: "runs"),
                Pair(cli: ["jobs", "logs", "\(runID)"], api: "/api/v1/runs/\(runID)"),
                Pair(cli: ["models", "list"], api: "/api/v1/models"),
                Pair(cli: ["models", "show", "fraud"], api: "/api/v1/models/fraud"),
                Pair(cli: ["models", "versions", "fraud"], api: "/api/v1/models/fraud/versions", member: "versions"),
                Pair(cli: ["models", "history", "fraud"], api: "/api/v1/models/fraud/history"),
                Pair(cli: ["tokens", "list"], api: "/api/v1/tokens", member: "tokens"),
            ]
            for pair in pairs {
                let printed = try Self.parse(try await run(pair.cli + ["--json"]).standardOutput)
                let answer = try await Self.request("GET", base + pair.api, token: token)
                #expect(answer.status == 200, "\(pair): \(answer.body)")
                var answered = try Self.parse(answer.body)
                if let member = pair.member { answered = try #require((answered as? [String: Any])?[member], "\(pair): no \(member)") }
                let cliFields = Self.fields(printed)
                #expect(!cliFields.isEmpty, "\(pair): the CLI printed nothing to compare")
                let apiFields = Self.fields(answered)
                let onlyCLI = cliFields.subtracting(apiFields).sorted()
                let onlyAPI = apiFields.subtracting(cliFields).sorted()
                #expect(cliFields == apiFields, "\(pair): only the CLI has \(onlyCLI), only the API has \(onlyAPI)")
                for (name, listing) in [("CLI", printed), ("API", answered)] {
                    let uneven = Self.unevenItems(listing)
                    #expect(uneven.isEmpty, "\(pair), \(name): items of one listing with different fields: \(uneven)")
                }
            }
            #expect(try await pool.query("SELECT count(*) FROM alias_history").first!.decode(Int.self) == 3)
            serve.signal(SIGTERM)
            #expect(await served.value.status == 0)
        }
    }

    static func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// Every member path in a document: `key`, `key.inner`, `items[].key`; maps of the data (a spec, metrics, aliases)
    /// are the same data on both sides, so their keys compare too.
    static func fields(_ value: Any, at path: String = "") -> Set<String> {
        if let object = value as? [String: Any] {
            return object.reduce(into: Set<String>()) { result, member in
                let name = path.isEmpty ? member.key : "\(path).\(member.key)"
                result.insert(name)
                result.formUnion(fields(member.value, at: name))
            }
        }
        if let array = value as? [Any] {
            return array.reduce(into: Set<String>()) { $0.formUnion(fields($1, at: path + "[]")) }
        }
        return []
    }

    /// For a listing (an array of objects), the items whose top-level fields differ from the first item's.
    static func unevenItems(_ listing: Any) -> [String] {
        guard let items = listing as? [[String: Any]], let first = items.first else { return [] }
        let expected = Set(first.keys)
        return items.enumerated().compactMap { index, item in
            let keys = Set(item.keys)
            guard keys != expected else { return nil }
            return "item \(index): lacks \(expected.subtracting(keys).sorted()), adds \(keys.subtracting(expected).sorted())"
        }
    }

    /// A request with a bearer token; the status and body.
    static func request(_ method: String, _ url: String, token: String) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}

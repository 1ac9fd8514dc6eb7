import AdminAPI
import Datasets
import Foundation
import Hummingbird
import HummingbirdTesting
import Modeling
import ObjectStore
import Postgres
import Registry
import Scheduler
import TestSupport
import Testing

@Suite("The /api/v1 routes: tokens, roles, errors, jobs, runs and models (real Postgres)")
struct APIRoutesTests {
    func withAPI(
        rateLimiter: RateLimiter? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol, APITokens, PostgresPool, ModelRegistry, TemporaryFolder) async throws -> Void
    ) async throws {
        try await withTestAPI(rateLimiter: rateLimiter) { try await body($0.client, $0.tokens, $0.pool, $0.registry, $0.folder) }
    }

    func headers(_ token: String?) -> HTTPFields { bearer(token) }

    @Test("no token, a wrong one, a revoked or expired one: 401 with a JSON error; /health stays public")
    func authentication() async throws {
        try await withAPI { client, tokens, pool, _, _ in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/jobs", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(errorCode(response) == "unauthorized")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers("nmly_wrong")) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(tokens.viewer)) { #expect($0.status == .ok) }
            try await TokenStore(pool: pool).revoke(name: "dashboard")
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(tokens.viewer)) { #expect($0.status == .unauthorized) }
            let expiring = try await TokenStore(pool: pool).create(name: "brief", role: .admin, expiresIn: .seconds(60)).token
            try await pool.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'brief'")
            try await client.execute(uri: "/api/v1/models", method: .get, headers: headers(expiring)) { #expect($0.status == .unauthorized) }
        }
    }

    @Test("a token past its burst gets 429 with Retry-After; another token and /health are unaffected")
    func rateLimit() async throws {
        // A frozen clock: no token comes back between requests, however slowly the test runs.
        let frozen = RateLimiter(perMinute: 6, burst: 2, now: { Date(timeIntervalSince1970: 1_800_000_000) })
        try await withAPI(rateLimiter: frozen) { client, tokens, _, _, _ in
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(tokens.viewer)) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(tokens.viewer)) { response in
                #expect(response.status == .tooManyRequests)
                #expect(errorCode(response) == "rate_limited")
                // Six per minute: the next token comes in about ten seconds.
                #expect(response.headers[.retryAfter] == "10")
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(tokens.admin)) { #expect($0.status == .ok) }
            for _ in 0..<5 { try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) } }
        }
    }

    @Test("five failed attempts lock the address out with 429 and Retry-After, even for a good token")
    func lockout() async throws {
        try await withAPI { client, tokens, _, _, _ in
            for _ in 0..<5 {
                try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers("nmly_guess")) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(tokens.admin)) { response in
                #expect(response.status == .tooManyRequests)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 > 800)
                #expect(errorCode(response) == "locked_out")
            }
        }
    }

    @Test("jobs and runs: viewers read, operators trigger and cancel, unknown names are 404, every change is audited")
    func jobsAndRuns() async throws {
        try await withAPI { client, tokens, pool, _, _ in
            let spec = try JobSpecLoader(kinds: nil).load(
                "kind: command\nschedule: \"@daily\"\nwith: {command: [\"true\"]}\n",
                file: "jobs/nightly.yaml",
                defaultName: "nightly"
            )
            _ = try await RunStore(pool: pool).syncCatalog([spec], removeMissing: false)
            try await client.execute(uri: "/api/v1/jobs/nightly/trigger", method: .post, headers: headers(tokens.viewer)) { response in
                #expect(response.status == .forbidden)
                #expect(errorCode(response) == "forbidden")
            }
            try await client.execute(uri: "/api/v1/jobs/absent/trigger", method: .post, headers: headers(tokens.operatorToken)) {
                #expect($0.status == .notFound)
            }
            var runID = 0
            try await client.execute(uri: "/api/v1/jobs/nightly/trigger", method: .post, headers: headers(tokens.operatorToken)) { response in
                #expect(response.status == .accepted)
                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                runID = object?["run_id"] as? Int ?? 0
            }
            #expect(runID > 0)
            try await client.execute(uri: "/api/v1/runs?job=nightly&status=queued", method: .get, headers: headers(tokens.viewer)) { response in
                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                #expect((object?["runs"] as? [[String: Any]])?.first?["id"] as? Int == runID)
            }
            try await client.execute(uri: "/api/v1/runs?status=sleeping", method: .get, headers: headers(tokens.viewer)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/runs?job=nightly&since=yesterday", method: .get, headers: headers(tokens.viewer)) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("since must be an ISO 8601 time"))
            }
            // `since` keeps runs scheduled at or after it: the queued run now, none a year ahead.
            for (since, count) in [("2000-01-01T00:00:00Z", 1), ("2999-01-01T00:00:00Z", 0)] {
                try await client.execute(uri: "/api/v1/runs?job=nightly&since=\(since)", method: .get, headers: headers(tokens.viewer)) { response in
                    let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                    #expect((object?["runs"] as? [[String: Any]])?.count == count, "since \(since)")
                }
            }
            try await client.execute(uri: "/api/v1/jobs/absent", method: .get, headers: headers(tokens.viewer)) { response in
                #expect(response.status == .notFound)
                #expect(errorCode(response) == "not_found")
            }
            try await client.execute(uri: "/api/v1/runs/\(runID)/cancel", method: .post, headers: headers(tokens.operatorToken)) { response in
                #expect(String(buffer: response.body).contains("\"status\":\"cancelled\""))
            }
            try await client.execute(uri: "/api/v1/runs/\(runID)", method: .get, headers: headers(tokens.viewer)) { response in
                #expect(String(buffer: response.body).contains("\"status\":\"cancelled\""))
            }
            try await client.execute(uri: "/api/v1/runs/999999", method: .get, headers: headers(tokens.viewer)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/jobs/nightly/pause", method: .post, headers: headers(tokens.operatorToken)) { response in
                #expect(String(buffer: response.body).contains("\"paused\":true"))
            }
            let actions = try await pool.query("SELECT action || ' by ' || actor FROM audit_log ORDER BY id").decode(String.self)
            #expect(actions == ["job.trigger by token:ci", "run.cancel by token:ci", "job.pause by token:ci"])
        }
    }

    @Test("models: listings with aliases, admin-only promotion with expect (409 when stale), rollback, history, audit")
    func models() async throws {
        try await withAPI { client, tokens, _, registry, folder in
            for seed in [UInt64(1), 2] {
                _ = try await registry.register(model: "fraud", artifact: try await trainArtifact(seed: seed, in: folder), actor: "test")
            }
            let promote = ByteBuffer(string: #"{"version": 1, "expect": null, "reason": "first"}"#)
            try await client.execute(
                uri: "/api/v1/models/fraud/aliases/production",
                method: .put,
                headers: headers(tokens.operatorToken),
                body: promote
            ) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/models/fraud/aliases/production", method: .put, headers: headers(tokens.admin), body: promote) {
                #expect($0.status == .ok)
            }
            let stale = ByteBuffer(string: #"{"version": 2, "expect": 2}"#)
            try await client.execute(uri: "/api/v1/models/fraud/aliases/production", method: .put, headers: headers(tokens.admin), body: stale) {
                response in
                #expect(response.status == .conflict)
                #expect(errorCode(response) == "conflict")
            }
            let malformed = ByteBuffer(string: #"{"version": "two"}"#)
            try await client.execute(uri: "/api/v1/models/fraud/aliases/production", method: .put, headers: headers(tokens.admin), body: malformed) {
                response in
                #expect(response.status == .badRequest)
                #expect(errorCode(response) == "invalid_json")
            }
            let next = ByteBuffer(string: #"{"version": 2, "expect": 1}"#)
            try await client.execute(uri: "/api/v1/models/fraud/aliases/production", method: .put, headers: headers(tokens.admin), body: next) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/models/fraud", method: .get, headers: headers(tokens.operatorToken)) { response in
                #expect(String(buffer: response.body).contains("\"aliases\":{\"production\":2}"))
            }
            try await client.execute(uri: "/api/v1/models/fraud/versions?limit=1", method: .get, headers: headers(tokens.operatorToken)) { response in
                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                #expect((object?["versions"] as? [[String: Any]])?.first?["aliases"] as? [String] == ["production"])
                #expect(object?["next_cursor"] as? Int == 2)
            }
            try await client.execute(uri: "/api/v1/models/fraud/aliases/production/rollback", method: .post, headers: headers(tokens.admin)) {
                response in
                #expect(String(buffer: response.body).contains("\"to_version\":1"))
            }
            try await client.execute(
                uri: "/api/v1/models/fraud/aliases/production?reason=retire",
                method: .delete,
                headers: headers(tokens.operatorToken)
            ) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/models/fraud/aliases/production?reason=retire", method: .delete, headers: headers(tokens.admin)) {
                response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"reason\":\"retire\""))
            }
            try await client.execute(uri: "/api/v1/models/fraud/aliases/production/rollback", method: .post, headers: headers(tokens.admin)) {
                response in
                #expect(String(buffer: response.body).contains("\"to_version\":1"), "rolling back the removal restores the alias")
            }
            try await client.execute(uri: "/api/v1/models/fraud/history", method: .get, headers: headers(tokens.operatorToken)) { response in
                let changes = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [[String: Any]]
                #expect(changes?.count == 5)
                #expect(changes?.first?["actor"] as? String == "token:alice")
            }
            try await client.execute(uri: "/api/v1/models/nope/versions/1", method: .get, headers: headers(tokens.operatorToken)) { response in
                #expect(response.status == .notFound)
                #expect(errorCode(response) == "not_found")
            }
            try await client.execute(uri: "/api/v1/audit", method: .get, headers: headers(tokens.operatorToken)) { response in
                #expect(String(buffer: response.body).contains("token:alice"))
            }
        }
    }
}

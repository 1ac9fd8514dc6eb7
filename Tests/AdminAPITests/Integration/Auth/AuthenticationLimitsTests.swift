import AdminAPI
import Audit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jobs
import ObjectStore
import Scheduler
import TestSupport
import Testing

@testable import AdminAPI

/// Limits an attacker must not walk around: the per-address limit before any token lookup, missing tokens counted as
/// failures, `/metrics` behind the same gate, and `/ready` details for token holders only.
@Suite("Rate limits and lockout before authentication, for the API and /metrics alike")
struct AuthenticationLimitsTests {
    /// Six requests a minute, two at once, on a clock that never moves: no token comes back during a test.
    static func frozenLimiter() -> RateLimiter {
        RateLimiter(perMinute: 6, burst: 2, now: { Date(timeIntervalSince1970: 1_800_000_000) })
    }

    /// The API's dependencies over the harness's database, with its own lockout and limiter (the harness's router has
    /// others).
    static func dependencies(_ harness: APIHarness, rateLimiter: RateLimiter? = nil) -> APIDependencies {
        APIDependencies(
            tokens: TokenStore(pool: harness.pool),
            runs: RunStore(pool: harness.pool),
            registry: harness.registry,
            audit: AuditLog(pool: harness.pool),
            kinds: BuiltInKinds.registry(pool: nil),
            rateLimiter: rateLimiter,
            scoringLocations: ScoringLocations(scoringDirectory: "scoring")
        )
    }

    @Test("past its burst, an address is refused before its token is looked up: the database never sees the flood")
    func floodRefusedBeforeLookup() async throws {
        // The database cannot be reached: any token lookup fails with a database error.
        try await OpenAPITests.withRouterDependencies(rateLimiter: Self.frozenLimiter()) { api in
            let app = Application(router: AdminServer.router(version: "1", probes: [], api: api))
            try await app.test(.router) { client in
                // Each lookup fails on the database: that is how these two show they reached it.
                for guess in ["nmly_guess1", "nmly_guess2"] {
                    try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(guess)) { #expect($0.status.code >= 500) }
                }
                for headers in [bearer("nmly_guess3"), bearer(nil)] {
                    try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers) { response in
                        #expect(response.status == .tooManyRequests)
                        #expect(errorCode(response) == "rate_limited")
                        #expect(response.headers[.retryAfter] == "10")
                    }
                }
                // Probes are never limited.
                try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/ready", method: .get) { #expect($0.status == .ok) }
            }
        }
    }

    @Test("valid tokens sharing an address are limited per token; once the address has spent its budget on bad ones, it waits")
    func validTokensLimitedPerToken() async throws {
        try await withTestAPI(rateLimiter: Self.frozenLimiter()) { harness in
            let client = harness.client
            for token in [harness.tokens.viewer, harness.tokens.viewer, harness.tokens.admin, harness.tokens.admin] {
                try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(token)) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                #expect(response.status == .tooManyRequests)
                #expect(String(buffer: response.body).contains("for token dashboard"))
            }
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer("nmly_guess")) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(harness.tokens.operatorToken)) { response in
                #expect(response.status == .tooManyRequests)
                #expect(String(buffer: response.body).contains("from 127.0.0.1"))
            }
        }
    }

    @Test("a request without Authorization counts toward the lockout where a token is needed; probes and unknown paths do not")
    func missingTokenCounts() async throws {
        try await withTestAPI { harness in
            let client = harness.client
            for path in ["/health", "/ready", "/openapi.json", "/favicon.ico"] {
                for _ in 0..<5 { try await client.execute(uri: path, method: .get) { #expect($0.status != .tooManyRequests) } }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(harness.tokens.viewer)) { #expect($0.status == .ok) }
            for _ in 0..<5 {
                try await client.execute(uri: "/api/v1/jobs", method: .get) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                #expect(response.status == .tooManyRequests)
                #expect(errorCode(response) == "locked_out")
            }
        }
    }

    @Test("with a token required, /metrics shares the API's lockout and rate limit")
    func metricsBehindTheGate() async throws {
        try await withTestAPI { harness in
            let limiter = Self.frozenLimiter()
            let api = Self.dependencies(harness, rateLimiter: limiter)
            let app = Application(router: AdminServer.router(version: "1", probes: [], api: api))
                .withMetrics(.standard(pool: nil, gate: api.gate))
            try await app.test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get, headers: bearer(harness.tokens.viewer)) { #expect($0.status == .ok) }
                for _ in 0..<2 {
                    try await client.execute(uri: "/metrics", method: .get, headers: bearer("nmly_guess")) { #expect($0.status == .unauthorized) }
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(errorCode(response) == "rate_limited")
                    #expect(response.headers[.retryAfter] != nil)
                }
            }
        }
        try await withTestAPI { harness in
            let api = Self.dependencies(harness)
            let app = Application(router: AdminServer.router(version: "1", probes: [], api: api))
                .withMetrics(.standard(pool: nil, gate: api.gate))
            try await app.test(.router) { client in
                for headers in [bearer(nil), bearer("nmly_guess"), bearer(nil), bearer("nmly_guess"), bearer(nil)] {
                    try await client.execute(uri: "/metrics", method: .get, headers: headers) { #expect($0.status == .unauthorized) }
                }
                for path in ["/metrics", "/api/v1/jobs"] {
                    try await client.execute(uri: path, method: .get, headers: bearer(harness.tokens.viewer)) { response in
                        #expect(response.status == .tooManyRequests, "\(path)")
                        #expect(errorCode(response) == "locked_out", "\(path)")
                    }
                }
            }
        }
    }

    @Test("behind a trusted proxy, /metrics locks out the forwarded client, not the proxy")
    func metricsLockoutPerForwardedClient() async throws {
        try await withTestAPI { harness in
            let api = Self.dependencies(harness)
            // The test client connects from 127.0.0.1, which plays the proxy.
            var settings = harness.settings
            settings.trustedProxies = [try IPNetwork(parsing: "127.0.0.0/8")]
            let app = Application(
                router: AdminServer.router(version: "1", probes: [], api: api, settings: settings),
                server: try AdminServer.server(settings)
            )
            .withMetrics(.standard(pool: nil, gate: api.gate, trustedProxies: settings.trustedProxies))
            @Sendable func scrape(_ token: String, from client: String) -> HTTPFields {
                var fields = bearer(token)
                fields[.xForwardedFor] = client
                return fields
            }
            try await app.test(.live) { client in
                for _ in 0..<5 {
                    try await client.execute(uri: "/metrics", method: .get, headers: scrape("nmly_guess", from: "203.0.113.9")) {
                        #expect($0.status == .unauthorized)
                    }
                }
                try await client.execute(uri: "/metrics", method: .get, headers: scrape(harness.tokens.viewer, from: "203.0.113.9")) { response in
                    #expect(errorCode(response) == "locked_out")
                    #expect(String(buffer: response.body).contains("203.0.113.9"))
                }
                try await client.execute(uri: "/metrics", method: .get, headers: scrape(harness.tokens.viewer, from: "203.0.113.10")) {
                    #expect($0.status == .ok)
                }
            }
        }
    }

    @Test("/ready tells the public which check failed, and a token holder why; a wrong token only gets the public answer")
    func readyDetailsNeedAToken() async throws {
        let probes = [
            ReadinessProbe(name: "database") { nil },
            ReadinessProbe(name: "artifact_store") { "s3://models-bucket/prefix at s3.internal:9000: connection refused" },
        ]
        try await withTestAPI(probes: probes) { harness in
            let client = harness.client
            try await client.execute(uri: "/ready", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains(#""message":"s3:\/\/models-bucket\/prefix at s3.internal:9000: connection refused""#))
            }
            for headers in [bearer(nil), bearer("nmly_guess")] {
                try await client.execute(uri: "/ready", method: .get, headers: headers) { response in
                    #expect(response.status == .serviceUnavailable)
                    let text = String(buffer: response.body)
                    let checks = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["checks"] as? [[String: Any]]
                    // Every check has its message member (issue 26: present as null), and nobody without a token reads one.
                    #expect(checks?.map { $0.keys.sorted() } == [["message", "name", "ok"], ["message", "name", "ok"]], "\(text)")
                    #expect(checks?.allSatisfy { $0["message"] is NSNull } == true, "\(text)")
                    #expect(checks?.map { $0["ok"] as? Bool } == [true, false], "\(text)")
                    #expect(!text.contains("models-bucket") && !text.contains("s3.internal"), "\(text)")
                }
            }
            // The wrong token above was a failed attempt: four more lock the address out, so /ready is no oracle.
            for _ in 0..<4 {
                try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer("nmly_guess")) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(harness.tokens.viewer)) {
                #expect(errorCode($0) == "locked_out")
            }
            // A locked-out probe still learns readiness.
            try await client.execute(uri: "/ready", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                #expect(response.status == .serviceUnavailable)
                let text = String(buffer: response.body)
                #expect(!text.contains("connection refused") && text.contains(#""message":null"#), "\(text)")
            }
        }
    }
}

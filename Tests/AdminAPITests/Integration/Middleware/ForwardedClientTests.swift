import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

@testable import AdminAPI

/// Behind nginx every request comes from nginx's address: without NOMALY_TRUSTED_PROXIES, one client's wrong tokens
/// lock everyone out. The live server sees the test client at 127.0.0.1, which plays the proxy here.
@Suite("Client addresses behind a trusted reverse proxy")
struct ForwardedClientTests {
    func headers(_ token: String, forwardedFor: String?) -> HTTPFields {
        var fields = bearer(token)
        if let forwardedFor { fields[.xForwardedFor] = forwardedFor }
        return fields
    }

    @Test("with the proxy trusted, a client locked out by its wrong tokens does not lock out other clients")
    func lockoutPerClient() async throws {
        let loopback = try IPNetwork(parsing: "127.0.0.0/8")
        let trustLoopback: @Sendable (inout HTTPSettings) -> Void = { $0.trustedProxies = [loopback] }
        try await withTestAPI(configure: trustLoopback) { harness in
            let client = harness.client
            for _ in 0..<5 {
                try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers("nmly_guess", forwardedFor: "203.0.113.9")) {
                    #expect($0.status == .unauthorized)
                }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(harness.tokens.admin, forwardedFor: "203.0.113.9")) {
                #expect($0.status == .tooManyRequests)
                #expect(String(buffer: $0.body).contains("203.0.113.9"))
            }
            // A client that forges an earlier hop is still known by the hop the proxy appended.
            try await client.execute(
                uri: "/api/v1/jobs",
                method: .get,
                headers: headers(harness.tokens.admin, forwardedFor: "198.51.100.7, 203.0.113.9")
            ) { #expect($0.status == .tooManyRequests) }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(harness.tokens.admin, forwardedFor: "203.0.113.10")) {
                #expect($0.status == .ok)
            }
            // Audited changes record the client, not the proxy.
            try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: {
                    var fields = headers(harness.tokens.admin, forwardedFor: "2001:db8::5")
                    fields[.contentType] = "application/json"
                    return fields
                }(),
                body: ByteBuffer(string: #"{"name": "forwarded-audit", "role": "viewer"}"#)
            ) { #expect($0.status == .created) }
            let addresses = try await harness.pool.query("SELECT remote_addr FROM audit_log WHERE target LIKE '%forwarded-audit%'")
                .decode(String?.self)
            #expect(addresses == ["2001:db8::5"])
        }
    }

    @Test("an IPv6 client cannot rotate through its /64 to escape the lockout; the next /64 is another client")
    func ipv6ByNetwork() async throws {
        let loopback = try IPNetwork(parsing: "127.0.0.0/8")
        let trustLoopback: @Sendable (inout HTTPSettings) -> Void = { $0.trustedProxies = [loopback] }
        try await withTestAPI(configure: trustLoopback) { harness in
            let client = harness.client
            for host in 1...5 {
                try await client.execute(
                    uri: "/api/v1/jobs",
                    method: .get,
                    headers: headers("nmly_guess", forwardedFor: "2001:db8:7:1::\(String(host, radix: 16))")
                ) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(harness.tokens.admin, forwardedFor: "2001:db8:7:1:ffff::6"))
            {
                #expect($0.status == .tooManyRequests)
                #expect(String(buffer: $0.body).contains(#"2001:db8:7:1::\/64"#), "the /64 is named")
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: headers(harness.tokens.admin, forwardedFor: "2001:db8:7:2::1")) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test("without trusted proxies, X-Forwarded-For is ignored: a client cannot dodge its lockout by forging it")
    func untrustedHeaderIgnored() async throws {
        try await withTestAPI { harness in
            for index in 0..<5 {
                try await harness.client.execute(
                    uri: "/api/v1/jobs",
                    method: .get,
                    headers: headers("nmly_guess", forwardedFor: "203.0.113.\(index)")
                ) { #expect($0.status == .unauthorized) }
            }
            try await harness.client.execute(
                uri: "/api/v1/jobs",
                method: .get,
                headers: headers(harness.tokens.admin, forwardedFor: "203.0.113.99")
            ) { #expect($0.status == .tooManyRequests) }
        }
    }

    @Test("the client is the rightmost untrusted hop; garbage stops the walk; X-Real-IP serves when there is no chain")
    func addressChoice() throws {
        let middleware = ForwardedClientMiddleware(trustedProxies: [try IPNetwork(parsing: "10.0.0.0/8"), try IPNetwork(parsing: "fd00::/8")])
        func client(_ chain: [String], realIP: String? = nil) -> String {
            middleware.clientAddress(peer: "10.0.0.2", forwardedFor: chain, realIP: realIP)
        }
        #expect(client(["203.0.113.9"]) == "203.0.113.9")
        #expect(client(["198.51.100.7, 203.0.113.9, 10.1.2.3"]) == "203.0.113.9")
        #expect(client(["198.51.100.7", "203.0.113.9"]) == "203.0.113.9")
        #expect(client(["10.9.9.9, fd00::1"]) == "10.9.9.9")
        #expect(client(["203.0.113.9, not-an-address"]) == "10.0.0.2")
        #expect(client(["203.0.113.9, unknown, 10.1.1.1"]) == "10.1.1.1")
        #expect(client([], realIP: "203.0.113.50") == "203.0.113.50")
        #expect(client([], realIP: "<script>") == "10.0.0.2")
        #expect(client([]) == "10.0.0.2")
    }
}

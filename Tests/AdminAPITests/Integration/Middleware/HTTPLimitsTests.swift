import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

@Suite("HTTP limits, timeouts, CORS and TLS, through the live server (real Postgres)")
struct HTTPLimitsTests {
    @Test("a URL over the limit is 414, headers over the limit 431, JSON nested too deeply 400 — each before any work")
    func sizeLimits() async throws {
        let limits: @Sendable (inout HTTPSettings) -> Void = { settings in
            settings.maxURLBytes = 512
            settings.maxHeaderBytes = 2048
            settings.maxJSONDepth = 8
        }
        try await withTestAPI(configure: limits) { harness in
            let client = harness.client
            let admin = harness.tokens.admin
            try await client.execute(uri: "/api/v1/jobs?pad=" + String(repeating: "a", count: 600), method: .get, headers: bearer(admin)) {
                #expect($0.status == .uriTooLong)
                #expect(errorCode($0) == "uri_too_long")
            }
            var big = bearer(admin)
            big[HTTPField.Name("X-Padding")!] = String(repeating: "b", count: 3000)
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: big) {
                #expect($0.status.code == 431)
                #expect(errorCode($0) == "headers_too_large")
            }
            // Within the limits the same request works.
            try await client.execute(uri: "/api/v1/jobs?pad=a", method: .get, headers: bearer(admin)) { #expect($0.status == .ok) }

            let deep = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
            try await client.execute(
                uri: "/api/v1/models/fraud/aliases/production",
                method: .put,
                headers: bearer(admin, contentType: "application/json"),
                body: ByteBuffer(string: #"{"version": 1, "reason": "# + deep + "}")
            ) {
                #expect($0.status == .badRequest)
                #expect(errorCode($0) == "json_too_deep")
            }
            // Brackets inside strings are text, not nesting.
            try await client.execute(
                uri: "/api/v1/models/fraud/aliases/production",
                method: .put,
                headers: bearer(admin, contentType: "application/json"),
                body: ByteBuffer(string: #"{"version": 1, "reason": "\#(deep)"}"#)
            ) { #expect(errorCode($0) != "json_too_deep") }
        }
    }

    @Test("a handler slower than the request timeout is cancelled and answered 503")
    func requestTimeout() async throws {
        let cancelled = Flag()
        let shortTimeout: @Sendable (inout HTTPSettings) -> Void = { $0.requestTimeout = .milliseconds(300) }
        let slowRoute: @Sendable (Router<NomalyRequestContext>) -> Void = { router in
            router.get("slow") { _, _ -> String in
                do {
                    // The subject: a handler far slower than the 300 ms timeout, which must cut it short.
                    try await Task.sleep(for: .seconds(600))
                } catch {
                    cancelled.set()
                    throw error
                }
                return "never"
            }
        }
        try await withTestAPI(configure: shortTimeout, extraRoutes: slowRoute) { harness in
            try await harness.client.execute(uri: "/slow", method: .get, headers: bearer(harness.tokens.viewer)) {
                #expect($0.status == .serviceUnavailable)
                #expect(errorCode($0) == "request_timeout")
            }
            #expect(cancelled.isSet, "the handler's task was cancelled")
        }
    }

    @Test("a client that stops sending halfway through its headers is disconnected after the idle timeout")
    func idleTimeout() async throws {
        let shortIdle: @Sendable (inout HTTPSettings) -> Void = { $0.idleTimeout = .seconds(1) }
        try await withTestAPI(configure: shortIdle) { harness in
            let port = try #require(harness.client.port)
            // Reads until the server closes the connection; the 30 s socket timeout only bounds a broken server.
            let script = """
                import socket
                s = socket.create_connection(("127.0.0.1", \(port)))
                s.sendall(b"GET /health HTTP/1.1\\r\\nHost: x\\r\\n")
                s.settimeout(30)
                try:
                    print("closed" if s.recv(1) == b"" else "answered")
                except socket.timeout:
                    print("still open")
                """
            let result = try await ExternalProgram.run(["python3", "-c", script])
            #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "closed", "\(result.output)")
        }
    }

    @Test("CORS: allowed origins get preflights and headers (errors included), others get neither")
    func cors() async throws {
        let allowList: @Sendable (inout HTTPSettings) -> Void = { $0.corsOrigins = ["https://grafana.example.com"] }
        try await withTestAPI(configure: allowList) { harness in
            let client = harness.client
            let allowed = "https://grafana.example.com"
            var preflight: HTTPFields = [.origin: allowed, .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "authorization"]
            try await client.execute(uri: "/api/v1/jobs", method: .options, headers: preflight) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == allowed)
                #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
                #expect(response.headers[.vary] == "Origin")
            }
            preflight[.origin] = "https://evil.example.com"
            try await client.execute(uri: "/api/v1/jobs", method: .options, headers: preflight) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            var request = bearer(harness.tokens.viewer)
            request[.origin] = allowed
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: request) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == allowed)
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: [.origin: allowed]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.accessControlAllowOrigin] == allowed, "a browser must be able to read the 401")
            }
            request[.origin] = "https://evil.example.com"
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: request) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test("with NOMALY_TLS_CERT and NOMALY_TLS_KEY the server speaks HTTPS only")
    func tls() async throws {
        let folder = try TemporaryFolder()
        let certificate = folder.path + "/cert.pem"
        let key = folder.path + "/key.pem"
        let made = try await ExternalProgram.run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ])
        try #require(made.exitCode == 0, "\(made.output)")
        let https: @Sendable (inout HTTPSettings) -> Void = { settings in
            settings.tlsCertificatePath = certificate
            settings.tlsKeyPath = key
        }
        try await withTestAPI(configure: https) { harness in
            let port = try #require(harness.client.port)
            let secure = try await ExternalProgram.run(["curl", "-sS", "--cacert", certificate, "https://127.0.0.1:\(port)/health"])
            #expect(secure.exitCode == 0 && secure.output.contains("\"ok\""), "\(secure.output)")
            let plain = try await ExternalProgram.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:\(port)/health"])
            #expect(plain.exitCode != 0 || !plain.output.contains("\"ok\""), "plain HTTP must not be answered: \(plain.output)")
        }
    }
}

extension HTTPLimitsTests {
    @Test("a certificate or key that is not PEM stops the server from starting, naming the setting and the file")
    func unreadableCertificate() async throws {
        let folder = try TemporaryFolder()
        let garbage = try folder.file("garbage.pem", "not a certificate\n")
        let made = try await ExternalProgram.run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-keyout", folder.path + "/key.pem", "-out", folder.path + "/cert.pem",
        ])
        try #require(made.exitCode == 0, "\(made.output)")
        var settings = HTTPSettings(scoringDirectory: folder.path)
        settings.tlsCertificatePath = folder.path + "/cert.pem"
        settings.tlsKeyPath = folder.path + "/key.pem"
        _ = try AdminServer.server(settings)
        settings.tlsCertificatePath = garbage
        let certificate = #expect(throws: TLSSetupError.self) { try AdminServer.server(settings) }
        #expect(certificate?.description.hasPrefix("NOMALY_TLS_CERT: \(garbage) holds no PEM certificate") == true)
        settings.tlsCertificatePath = folder.path + "/cert.pem"
        settings.tlsKeyPath = garbage
        let key = #expect(throws: TLSSetupError.self) { try AdminServer.server(settings) }
        #expect(key?.description.hasPrefix("NOMALY_TLS_KEY: \(garbage) holds no PEM private key") == true, "\(String(describing: key))")
    }
}

/// Set once from any task.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

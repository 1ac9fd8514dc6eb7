import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jobs
import Postgres
import Registry
import Scheduler
import TestSupport
import Testing

@Suite("Token management, version deletion and the audit trail over HTTP (real Postgres)")
struct AdminRoutesTests {
    struct Created: Decodable {
        let token: String
        let name: String
        let role: String
    }

    @Test("admins create, list and revoke tokens; the new token works at once and stops working when revoked")
    func tokens() async throws {
        try await withTestAPI { harness in
            let client = harness.client
            let body = ByteBuffer(string: #"{"name": "grafana", "role": "viewer", "expires": "30d"}"#)
            for token in [harness.tokens.viewer, harness.tokens.operatorToken] {
                try await client.execute(uri: "/api/v1/tokens", method: .post, headers: bearer(token, contentType: "application/json"), body: body) {
                    #expect($0.status == .forbidden)
                }
                try await client.execute(uri: "/api/v1/tokens", method: .get, headers: bearer(token)) { #expect($0.status == .forbidden) }
            }
            let created = try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: bearer(harness.tokens.admin, contentType: "application/json"),
                body: body
            ) { response in
                #expect(response.status == .created)
                return try JSONDecoder().decode(Created.self, from: Data(String(buffer: response.body).utf8))
            }
            #expect(created.name == "grafana" && created.role == "viewer" && created.token.hasPrefix("nmly_"))
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(created.token)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/tokens", method: .get, headers: bearer(harness.tokens.admin)) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#""name":"grafana""#) && text.contains("expires_at"))
                #expect(!text.contains(created.token), "a token is shown once, never listed")
            }
            try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: bearer(harness.tokens.admin, contentType: "application/json"),
                body: body
            ) { #expect($0.status == .conflict) }
            for invalid in [#"{"name": "x", "role": "root"}"#, #"{"name": "x", "role": "viewer", "expires": "soon"}"#, #"{"role": "viewer"}"#] {
                try await client.execute(
                    uri: "/api/v1/tokens",
                    method: .post,
                    headers: bearer(harness.tokens.admin, contentType: "application/json"),
                    body: ByteBuffer(string: invalid)
                ) { #expect($0.status == .badRequest, "\(invalid)") }
            }
            // A JSON body over 1 MiB is refused before it is parsed, and creates nothing.
            let huge = #"{"name": ""# + String(repeating: "x", count: (1 << 20) + 1) + #"", "role": "viewer"}"#
            try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: bearer(harness.tokens.admin, contentType: "application/json"),
                body: ByteBuffer(string: huge)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorCode(response) == "too_large")
            }
            try await client.execute(uri: "/api/v1/tokens/grafana", method: .delete, headers: bearer(harness.tokens.admin)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""revoked":true"#))
            }
            try await client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(created.token)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/tokens/grafana", method: .delete, headers: bearer(harness.tokens.admin)) {
                #expect($0.status == .notFound)
            }
            let actions = try await harness.pool.query("SELECT action, actor, remote_addr FROM audit_log WHERE target = 'grafana' ORDER BY id")
                .decode(AuditRow.self)
            #expect(actions.map(\.action) == ["token.create", "token.revoke"])
            #expect(actions.allSatisfy { $0.actor == "token:alice" && $0.remoteAddr == "127.0.0.1" })
        }
    }

    struct AuditRow: Decodable {
        let action: String
        let actor: String
        let remoteAddr: String?
    }

    @Test("DELETE of a version: admins only, refused while an alias points at it, then gone; registry changes record the caller's address")
    func deleteVersion() async throws {
        try await withTestAPI { harness in
            let client = harness.client
            _ = try await harness.registerFraudModel()
            try await client.execute(uri: "/api/v1/models/fraud/versions/1", method: .delete, headers: bearer(harness.tokens.operatorToken)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/models/fraud/versions/1", method: .delete, headers: bearer(harness.tokens.admin)) {
                #expect($0.status == .conflict)
            }
            try await client.execute(
                uri: "/api/v1/models/fraud/aliases/production?reason=retired",
                method: .delete,
                headers: bearer(harness.tokens.admin)
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/models/fraud/versions/1", method: .delete, headers: bearer(harness.tokens.admin)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"deleted":true,"model":"fraud","version":1}"#)
            }
            try await client.execute(uri: "/api/v1/models/fraud/versions/1", method: .get, headers: bearer(harness.tokens.viewer)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/models/fraud/versions/1", method: .delete, headers: bearer(harness.tokens.admin)) {
                #expect($0.status == .notFound)
            }
            let rows = try await harness.pool.query(
                "SELECT action, actor, remote_addr FROM audit_log WHERE target LIKE 'fraud%' AND actor = 'token:alice' ORDER BY id"
            ).decode(AuditRow.self)
            #expect(rows.map(\.action).contains("model.delete"))
            #expect(!rows.isEmpty && rows.allSatisfy { $0.remoteAddr == "127.0.0.1" }, "\(rows)")
            let fromTest = try await harness.pool.query("SELECT remote_addr FROM audit_log WHERE actor = 'test'").decode(String?.self)
            #expect(!fromTest.isEmpty && fromTest.allSatisfy { $0 == nil }, "changes made outside a request have no address")
        }
    }
}

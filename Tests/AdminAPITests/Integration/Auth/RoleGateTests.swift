import AdminAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Every token route refuses weaker roles and missing tokens with the same bodies, before it reads anything (real Postgres)")
struct RoleGateTests {
    /// An operation the document says needs a token, with the role it names.
    struct Operation: CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        let role: Role

        var description: String { "\(method) \(path) (\(role.rawValue))" }
    }

    /// Every operation of `/openapi.json` with an `x-nomaly-role`: the router serves exactly the documented operations
    /// (OpenAPITests.routeParity), so this is every token route.
    static func tokenOperations() throws -> [Operation] {
        let paths = try #require(try OpenAPITests.document()["paths"] as? [String: [String: Any]])
        var operations: [Operation] = []
        for (path, item) in paths {
            for (method, operation) in item {
                guard let role = ((operation as? [String: Any])?["x-nomaly-role"] as? String).flatMap(Role.init(rawValue:)) else { continue }
                operations.append(Operation(method: try #require(HTTPRequest.Method(method.uppercased())), path: path, role: role))
            }
        }
        return operations.sorted { ($0.path, $0.method.rawValue) < ($1.path, $1.method.rawValue) }
    }

    struct ErrorBody: Equatable {
        let code: String
        let message: String
    }

    /// The error of a body that is exactly `{"error":{"code":…,"message":…}}`, compact. Its keys come in no fixed order:
    /// error bodies are written by an encoder without `sortedKeys`, whose order follows Swift's per-process hash seed.
    static func error(_ response: TestResponse) -> ErrorBody? {
        let text = String(buffer: response.body)
        guard
            !text.contains("\n"), !text.contains("\": "),
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], object.count == 1,
            let detail = object["error"] as? [String: Any], detail.count == 2,
            let code = detail["code"] as? String, let message = detail["message"] as? String
        else { return nil }
        return ErrorBody(code: code, message: message)
    }

    /// The path with its parameters filled in with values no handler could use (`version` is not a number): the role
    /// check must refuse before any of it is parsed.
    static func concretePath(_ template: String) -> String {
        template.replacingOccurrences(of: #"\{[a-z_]+\}"#, with: "not-a-number", options: .regularExpression)
    }

    @Test("a weaker role gets 403 with the body naming both roles, even with a broken body and unusable parameters; no token gets 401")
    func refusals() async throws {
        let operations = try Self.tokenOperations()
        // Every role appears: the gate is exercised at each level.
        #expect(Set(operations.map(\.role)) == Set(Role.allCases))
        // Each request without a token is a failed attempt of the test's address: far more than the default five.
        try await withTestAPI(lockout: FailedAttemptLimiter(maxAttempts: 1_000)) { harness in
            let holders: [(role: Role, name: String, token: String)] = [
                (.viewer, "dashboard", harness.tokens.viewer), (.operator, "ci", harness.tokens.operatorToken),
                (.admin, "alice", harness.tokens.admin),
            ]
            for operation in operations {
                let uri = Self.concretePath(operation.path)
                // Not JSON, not a tarball, not CSV: a handler that parsed it would answer 400, 415 or 422.
                let body = ByteBuffer(string: "{")
                try await harness.client.execute(
                    uri: uri,
                    method: operation.method,
                    headers: bearer(nil, contentType: "application/json"),
                    body: body
                ) {
                    response in
                    #expect(response.status == .unauthorized, "\(operation) without a token")
                    #expect(
                        Self.error(response) == ErrorBody(code: "unauthorized", message: "missing bearer token: send Authorization: Bearer <token>"),
                        "\(operation) without a token"
                    )
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                }
                for holder in holders where holder.role < operation.role {
                    let headers = bearer(holder.token, contentType: "application/json")
                    try await harness.client.execute(uri: uri, method: operation.method, headers: headers, body: body) { response in
                        let expected = ErrorBody(
                            code: "forbidden",
                            message: "token \(holder.name) has role \(holder.role.rawValue); this needs \(operation.role.rawValue) or higher"
                        )
                        #expect(response.status == .forbidden, "\(operation) as \(holder.role.rawValue)")
                        #expect(Self.error(response) == expected, "\(operation) as \(holder.role.rawValue)")
                        #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    }
                }
            }
        }
    }
}

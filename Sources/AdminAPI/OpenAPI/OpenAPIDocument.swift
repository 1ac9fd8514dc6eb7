import Foundation
import JSONValues
import Registry

/// The OpenAPI 3.1 description of the admin API that `GET /openapi.json` serves.
///
/// The document is written in Swift (the operations in `OpenAPIDocument+Jobs.swift`, `+Models.swift`, `+Scoring.swift`,
/// `+System.swift` and `+Tokens.swift`, the bodies in `+Schemas.swift`) and kept true by tests: its operations are
/// exactly the router's routes, it passes `openapi-spec-validator`, and schemathesis finds no answer of a live server
/// that breaks it.
///
/// ```swift
/// router.get("openapi.json") { _, _ in
///     Response(
///         status: .ok,
///         headers: [.contentType: "application/json; charset=utf-8"],
///         body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json(version: version)))
///     )
/// }
/// ```
package enum OpenAPIDocument {
    /// The path the document is served at.
    package static let path = "/openapi.json"

    /// The document as JSON with sorted keys.
    /// - Parameter version: the Nomaly version, written as `info.version`.
    package static func json(version: String) -> String {
        document(version: version).json
    }

    /// The document as a JSON tree.
    static func document(version: String) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for operation in operations {
            paths[operation.path, default: [:]][operation.method.rawValue] = operation.json
        }
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Nomaly admin API"),
                "version": .string(version),
                "description": .string(summary),
            ]),
            "tags": .array(tags.map { .object(["name": .string($0.name), "description": .string($0.description)]) }),
            "security": .array([.object(["bearer": .array([])])]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object([
                "securitySchemes": .object([
                    "bearer": .object([
                        "type": .string("http"),
                        "scheme": .string("bearer"),
                        "bearerFormat": .string("nmly_ followed by 43 base64url characters"),
                        "description": .string("A token made with `nomaly tokens create` or `POST /api/v1/tokens`."),
                    ])
                ]),
                "schemas": .object(schemas.mapValues(\.json)),
            ]),
        ])
    }

    /// Every operation the server answers.
    static var operations: [Operation] {
        systemOperations + jobOperations + modelOperations + artifactOperations + scoringOperations + tokenOperations
    }

    static let tags: [(name: String, description: String)] = [
        ("system", "Liveness, readiness, version, metrics and this document."),
        ("jobs", "Scheduled jobs: list, trigger, pause and resume."),
        ("runs", "Runs of jobs: list, inspect and cancel."),
        ("models", "The model registry: models, versions, artifacts and aliases."),
        ("scoring", "Scoring rows sent in the request, or files as a background run."),
        ("audit", "Every change made through the registry or the API."),
        ("tokens", "API tokens: list, create and revoke."),
    ]

    static let summary = """
        The admin API of `nomaly serve`. Bodies are JSON with snake_case keys and RFC 3339 times; every member of an \
        answer is present, `null` when it has no value. Every failure answers `{"error": {"code": …, "message": …}}`. Every endpoint but health, \
        readiness, metrics and this document needs `Authorization: Bearer <token>`; roles nest (viewer < operator < \
        admin) and each operation's `x-nomaly-role` names the least it needs.
        """
}

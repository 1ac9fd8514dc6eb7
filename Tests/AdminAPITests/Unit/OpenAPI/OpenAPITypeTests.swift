import Foundation
import Hummingbird
import JSONValues
import Testing

@testable import AdminAPI
@testable import Audit
@testable import Datasets
@testable import Registry
@testable import Scheduler

/// The OpenAPI document against the Swift types that answer: for every JSON answer an operation documents, a value of
/// the type that answers it, encoded as the server encodes it, must have exactly the schema's properties, each of them
/// required (every member is present, `null` when it has no value), and `null` only where the schema admits it.
/// Nested schemas are checked through the values inside (a page's runs, a listing's aliases).
@Suite("OpenAPI schemas equal the keys the answering types encode")
struct OpenAPITypeTests {
    static let date = Date(timeIntervalSince1970: 1_795_000_000)

    /// Values whose optional members are all nil, so a member the encoder leaves out shows up as a missing key.
    static var summary: JobSummary {
        JobSummary(
            name: "api.scoring",
            kind: "score",
            schedule: "",
            timezone: "UTC",
            paused: false,
            enabled: true,
            lastStatus: nil,
            lastScheduledAt: nil,
            lastFinishedAt: nil,
            lastSuccessAt: nil,
            running: 0,
            queued: 0,
            origin: .api,
            createdAt: date,
            activeSince: date,
            lastRunFailed: false,
            retryPending: false
        )
    }

    static var run: RunRecord {
        RunRecord(
            id: 1,
            jobName: "nightly",
            scheduledAt: date,
            attempt: 1,
            trigger: "manual",
            status: .queued,
            notBefore: date,
            queuedAt: date,
            claimedBy: nil,
            startedAt: nil,
            finishedAt: nil,
            leaseExpiresAt: nil,
            error: nil,
            exitCode: nil,
            result: nil,
            cancelRequestedAt: nil,
            spec: nil
        )
    }

    static var version: ModelVersion {
        ModelVersion(
            model: "fraud",
            version: 1,
            algorithm: "ecod",
            params: .object([:]),
            metrics: .object([:]),
            featureSchema: .array([.object(["name": .string("amount")])]),
            artifactSha256: String(repeating: "a", count: 64),
            artifactUri: "/artifacts/a.tar.gz",
            artifactSize: 10,
            trainingRunId: nil,
            datasetFingerprint: nil,
            specHash: nil,
            nomalyVersion: "1.0.0",
            description: "",
            createdBy: nil,
            createdAt: date,
            aliases: []
        )
    }

    static var change: AliasChange {
        AliasChange(model: "fraud", alias: "production", fromVersion: nil, toVersion: 1, actor: "cli:ana", reason: nil, changedAt: date)
    }

    static var token: TokenRecord {
        TokenRecord(name: "ci", role: .admin, createdAt: date, expiresAt: nil, lastUsedAt: nil, revokedAt: nil)
    }

    static var auditEntry: AuditEntry {
        AuditEntry(id: 1, at: date, actor: "token:ci", action: "job.trigger", target: nil, details: .object([:]), remoteAddr: nil)
    }

    /// Each JSON answer, by the schema it is documented with (the name in `components.schemas`, or `METHOD path` for an
    /// answer described inline), encoded as the server writes it.
    static func answers() throws -> [String: Data] {
        let api = APIResponseEncoder.json
        let plain = PlainJSON.encoder
        var scores = DoubleBlocks()
        scores.append(0.25)
        let scoreChunks = ScoreChunks(scores: scores, threshold: 0.5, format: .json(model: "fraud", version: 1))
        return [
            "JobSummary": try api.encodeWithNulls(JobListing(job: summary, now: date)),
            "RunRecord": try api.encodeWithNulls(run),
            "RunPage": try api.encodeWithNulls(JobsController.RunPage(runs: [run], nextCursor: nil)),
            "RunDetail": try api.encodeWithNulls(JobsController.RunDetail(run: run, logTail: nil)),
            "RunQueued": try api.encodeWithNulls(JobsController.TriggerResponse(runId: 1)),
            "POST /api/v1/runs/{id}/cancel": try api.encodeWithNulls(JobsController.CancelResponse(status: .running)),
            "ModelSummary": try api.encodeWithNulls(
                ModelSummary(
                    name: "fraud",
                    description: "",
                    tags: ["team": "risk"],
                    versionCount: 0,
                    latestVersion: nil,
                    aliases: ["production": 1],
                    createdAt: date,
                    updatedAt: date
                )
            ),
            "ModelVersion": try api.encodeWithNulls(version),
            "VersionPage": try api.encodeWithNulls(VersionPage(versions: [version], nextCursor: nil)),
            "VersionDeleted": try api.encodeWithNulls(ModelsController.Deleted(model: "fraud", version: 1, deleted: true)),
            "AliasChange": try api.encodeWithNulls(change),
            "AuditEntry": try api.encodeWithNulls(auditEntry),
            "AuditPage": try api.encodeWithNulls(AuditController.AuditPage(entries: [auditEntry], nextCursor: nil)),
            "ScoreResponse": Data(scoreChunks.map { String(buffer: $0) }.joined().utf8),
            "ScoringJobQueued": try api.encodeWithNulls(ScoringJobsController.Created(runId: 1, job: "api.scoring", status: .queued)),
            "TokenRecord": try api.encodeWithNulls(token),
            "TokenList": try api.encodeWithNulls(TokensController.TokenList(tokens: [token])),
            "TokenCreated": try api.encodeWithNulls(CreatedToken(token: "nmly_" + String(repeating: "x", count: 43), record: token)),
            "TokenRevoked": try api.encodeWithNulls(TokensController.Revoked(name: "ci", revoked: true)),
            "Health": try plain.encode(ExplicitNulls(HealthResponse(status: "ok"))),
            "Readiness": try plain.encode(
                ExplicitNulls(ReadinessResponse(status: "ready", checks: [ProbeOutcome(name: "database", ok: true, message: nil)]))
            ),
            "VersionInfo": try plain.encode(ExplicitNulls(VersionResponse(name: "nomaly", version: "1.0.0"))),
            "Error": try plain.encode(APIError.Body(error: .init(code: "not_found", message: "there is no job x"))),
        ]
    }

    typealias JSON = [String: Any]

    static func document() throws -> JSON {
        try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json(version: "1").utf8)) as? JSON)
    }

    /// The schema each documented JSON answer names: `components.schemas` names, or `METHOD path` for inline objects.
    /// The OpenAPI document itself and free-form maps are not answers of a Swift type.
    static func documentedAnswers(in document: JSON) throws -> Set<String> {
        let paths = try #require(document["paths"] as? [String: [String: JSON]])
        var names: Set<String> = []
        for (path, item) in paths {
            for (method, operation) in item {
                let responses = operation["responses"] as? [String: JSON] ?? [:]
                for response in responses.values {
                    guard let json = (response["content"] as? JSON)?["application/json"] as? JSON, var schema = json["schema"] as? JSON
                    else { continue }
                    if schema["type"] as? String == "array", let items = schema["items"] as? JSON { schema = items }
                    for candidate in (schema["anyOf"] as? [JSON]) ?? [schema] {
                        if let reference = candidate["$ref"] as? String {
                            names.insert(String(reference.split(separator: "/").last!))
                        } else if candidate["properties"] != nil {
                            names.insert("\(method.uppercased()) \(path)")
                        }
                    }
                }
            }
        }
        return names
    }

    @Test("every JSON answer the document names has a value here, and every value here answers something the document names")
    func coverage() throws {
        let document = try Self.document()
        let documented = try Self.documentedAnswers(in: document)
        let named = Set(((document["components"] as? JSON)?["schemas"] as? JSON)?.keys.map { $0 } ?? [])
        let sampled = Set(try Self.answers().keys)
        #expect(documented.subtracting(sampled).isEmpty, "answers without a sample of their Swift type: \(documented.subtracting(sampled).sorted())")
        // Schemas only nested in answers (a page's runs) may have samples of their own too.
        let unknown = sampled.subtracting(documented).subtracting(named)
        #expect(unknown.isEmpty, "samples of answers the document does not name: \(unknown.sorted())")
    }

    @Test("each answer has exactly its schema's properties, all required, null only where admitted, nested schemas included")
    func answersMatchTheirSchemas() throws {
        let document = try Self.document()
        let schemas = try #require((document["components"] as? JSON)?["schemas"] as? [String: JSON])
        let paths = try #require(document["paths"] as? [String: [String: JSON]])
        for (name, data) in try Self.answers() {
            let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            let schema: JSON
            if let named = schemas[name] {
                schema = named
            } else {
                let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
                let operation = try #require(paths[parts[1]]?[parts[0].lowercased()], "no operation \(name)")
                let responses = try #require(operation["responses"] as? [String: JSON])
                let success = try #require(responses.first { $0.key.hasPrefix("2") }?.value)
                schema = try #require(((success["content"] as? JSON)?["application/json"] as? JSON)?["schema"] as? JSON)
            }
            let problems = Self.mismatches(value, schema, schemas: schemas, at: name)
            #expect(problems.isEmpty, "\(name): \(problems.joined(separator: "; "))\n\(String(decoding: data, as: UTF8.self))")
        }
    }

    /// Where `value` and `schema` disagree about members: keys, requiredness, and nulls.
    static func mismatches(_ value: Any, _ schema: JSON, schemas: [String: JSON], at location: String) -> [String] {
        if let reference = schema["$ref"] as? String {
            let name = String(reference.split(separator: "/").last!)
            guard let named = schemas[name] else { return ["\(location): \(reference) is not in components.schemas"] }
            return mismatches(value, named, schemas: schemas, at: "\(location) (\(name))")
        }
        if let choices = schema["anyOf"] as? [JSON] {
            if value is NSNull { return choices.contains { Self.admitsNull($0) } ? [] : ["\(location) is null, which the schema does not admit"] }
            return choices.first { !Self.isNullOnly($0) }.map { mismatches(value, $0, schemas: schemas, at: location) } ?? []
        }
        if value is NSNull {
            return admitsNull(schema) ? [] : ["\(location) is null, which the schema does not admit"]
        }
        var problems: [String] = []
        if let properties = schema["properties"] as? JSON {
            guard let object = value as? JSON else { return ["\(location) is not an object"] }
            let documented = Set(properties.keys)
            let encoded = Set(object.keys)
            if documented != encoded {
                problems.append(
                    "\(location): encoded but undocumented \(encoded.subtracting(documented).sorted()), "
                        + "documented but not encoded \(documented.subtracting(encoded).sorted())"
                )
            }
            let required = Set(schema["required"] as? [String] ?? [])
            if required != documented {
                problems.append("\(location): properties not required (an answer always has them): \(documented.subtracting(required).sorted())")
            }
            for (key, member) in object {
                guard let memberSchema = properties[key] as? JSON else { continue }
                problems += mismatches(member, memberSchema, schemas: schemas, at: "\(location).\(key)")
            }
        } else if let values = schema["additionalProperties"] as? JSON, let object = value as? JSON {
            for (key, member) in object { problems += mismatches(member, values, schemas: schemas, at: "\(location)[\(key)]") }
        } else if let items = schema["items"] as? JSON, let array = value as? [Any] {
            for (index, element) in array.enumerated() { problems += mismatches(element, items, schemas: schemas, at: "\(location)[\(index)]") }
        }
        return problems
    }

    static func admitsNull(_ schema: JSON) -> Bool {
        if let types = schema["type"] as? [String] { return types.contains("null") }
        if let choices = schema["anyOf"] as? [JSON] { return choices.contains { admitsNull($0) } }
        return schema["type"] as? String == "null" || schema.isEmpty
    }

    static func isNullOnly(_ schema: JSON) -> Bool { schema["type"] as? String == "null" }
}

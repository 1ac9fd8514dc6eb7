import Foundation
import Hummingbird
import HummingbirdTesting
import Registry
import Scheduler
import TestSupport
import Testing

@testable import AdminAPI

/// What issue 26 found the API answering differently from its documents: jobs without `next_fire_at`, members left
/// out instead of `null`, an audit log answered as a bare array, and error messages that named the server's temporary
/// files, hid the valid roles, called a missing column unknown, or did not name `NOMALY_INVOCATIONS_MODEL`.
@Suite("The API's answers keep the documented contract (real Postgres)")
struct ContractRoutesTests {
    func json(_ response: TestResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
    }

    @Test("jobs carry next_fire_at: a time for a scheduled job, null for api.scoring, in the list, one job, pause and resume")
    func jobsHaveNextFire() async throws {
        try await withTestAPI { harness in
            let spec = try JobSpecLoader(kinds: nil).load(
                "kind: command\nschedule: \"0 3 * * *\"\ntimezone: Europe/Berlin\nwith: {command: [\"true\"]}\n",
                file: "jobs/nightly.yaml",
                defaultName: "nightly"
            )
            _ = try await RunStore(pool: harness.pool).syncCatalog([spec], removeMissing: false)
            try await harness.client.execute(uri: "/api/v1/jobs", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                let jobs = try #require(try json(response) as? [[String: Any]])
                let nightly = try #require(jobs.first { $0["name"] as? String == "nightly" })
                let fire = try #require(nightly["next_fire_at"] as? String, "\(jobs)")
                let date = try #require(try? Date(fire, strategy: .iso8601))
                #expect(date > Date() && date < Date().addingTimeInterval(86_400 + 3600))
                let scoring = try #require(jobs.first { $0["name"] as? String == "api.scoring" })
                #expect(scoring["next_fire_at"] is NSNull, "\(scoring)")
                #expect(scoring["last_status"] is NSNull && scoring["last_success_at"] is NSNull, "\(scoring)")
            }
            for (uri, method, token) in [
                ("/api/v1/jobs/nightly", HTTPRequest.Method.get, harness.tokens.viewer),
                ("/api/v1/jobs/nightly/pause", .post, harness.tokens.operatorToken),
                ("/api/v1/jobs/nightly/resume", .post, harness.tokens.operatorToken),
            ] {
                try await harness.client.execute(uri: uri, method: method, headers: bearer(token)) { response in
                    #expect(response.status == .ok, "\(uri)")
                    let job = try #require(try json(response) as? [String: Any])
                    #expect(job["next_fire_at"] is String, "\(uri): \(job)")
                }
            }
        }
    }

    @Test("alias changes answer from_version and to_version as null for a first promotion and a removal")
    func aliasVersionsAreNull() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            try await harness.client.execute(
                uri: "/api/v1/models/fraud/aliases/production?reason=retire",
                method: .delete,
                headers: bearer(harness.tokens.admin)
            ) { response in
                #expect(response.status == .ok)
                let change = try #require(try json(response) as? [String: Any])
                #expect(change["to_version"] is NSNull && change["from_version"] as? Int == 1, "\(change)")
            }
            try await harness.client.execute(uri: "/api/v1/models/fraud/history", method: .get, headers: bearer(harness.tokens.viewer)) {
                response in
                let changes = try #require(try json(response) as? [[String: Any]])
                #expect(changes.count == 2)
                #expect(changes.last?["from_version"] is NSNull, "the first promotion: \(changes)")
                #expect(changes.first?["to_version"] is NSNull, "the removal: \(changes)")
            }
            try await harness.client.execute(uri: "/api/v1/models/fraud", method: .get, headers: bearer(harness.tokens.viewer)) { response in
                let model = try #require(try json(response) as? [String: Any])
                #expect(model["aliases"] as? [String: Int] == [:])
            }
        }
    }

    @Test("the audit log pages as runs and versions do: {entries, next_cursor}, next_cursor null on the last page")
    func auditPages() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            var cursor: Int?
            var seen: [Int] = []
            for _ in 0..<5 {
                let uri = "/api/v1/audit?limit=1" + (cursor.map { "&cursor=\($0)" } ?? "")
                var next: Any?
                try await harness.client.execute(uri: uri, method: .get, headers: bearer(harness.tokens.viewer)) { response in
                    #expect(response.status == .ok)
                    let page = try #require(try json(response) as? [String: Any])
                    let entries = try #require(page["entries"] as? [[String: Any]], "\(page)")
                    seen += entries.compactMap { $0["id"] as? Int }
                    next = page["next_cursor"]
                }
                guard let value = next as? Int else {
                    #expect(next is NSNull, "next_cursor is present, null on the last page")
                    break
                }
                cursor = value
            }
            // register and promote: two entries, newest first, each once.
            #expect(seen.count == 2 && seen == seen.sorted(by: >), "\(seen)")
        }
    }

    @Test("a hostile or broken upload's 422 names the upload, never the server's temporary paths")
    func uploadRefusalsHidePaths() async throws {
        let folder = try TemporaryFolder("nomaly-hostile")
        let script = """
            import io, sys, tarfile
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                data = b"owned"
                entry = tarfile.TarInfo("../../escape.txt")
                entry.size = len(data)
                archive.addfile(entry, io.BytesIO(data))
            open(sys.argv[1], "wb").write(buffer.getvalue())
            """
        let hostile = folder.path + "/hostile.tar.gz"
        let made = try await ExternalProgram.run(["python3", "-c", script, hostile])
        #expect(made.exitCode == 0, "\(made.output)")
        let bodies = [
            ("plain text", ByteBuffer(string: "this is plain text, not a gzip tarball\n")),
            ("a path outside the archive", ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: hostile)))),
        ]
        try await withTestAPI { harness in
            for (what, body) in bodies {
                try await harness.client.execute(
                    uri: "/api/v1/models/fraud/versions",
                    method: .post,
                    headers: bearer(harness.tokens.admin, contentType: "application/gzip"),
                    body: body
                ) { response in
                    let text = String(buffer: response.body)
                    #expect(response.status == .unprocessableContent, "\(what): \(text)")
                    #expect(text.contains("the uploaded tarball"), "\(what): \(text)")
                    for leak in [NSTemporaryDirectory(), "/tmp/", "nomaly-artifact", "nomaly-model"] {
                        #expect(!text.contains(leak), "\(what): the message names \(leak): \(text)")
                    }
                }
            }
        }
    }

    @Test("the server's own paths are taken out of a refusal; the rest of the message stays")
    func pathScrubbing() {
        let upload = NSTemporaryDirectory() + "/nomaly-artifact-upload-1.tar.gz"
        let message = "\(upload) is not a readable model tarball: entry ../x escapes \(NSTemporaryDirectory())nomaly-model-2/model"
        #expect(
            ArtifactsController.withoutServerPaths(message, upload: upload)
                == "the uploaded tarball is not a readable model tarball: entry ../x escapes (a temporary folder)"
        )
    }

    @Test("a token with a role that does not exist is refused naming the roles that do")
    func badRoleListsRoles() async throws {
        try await withTestAPI { harness in
            try await harness.client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: bearer(harness.tokens.admin, contentType: "application/json"),
                body: ByteBuffer(string: #"{"name": "x", "role": "superuser"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("role must be one of viewer, operator, admin"), "\(String(buffer: response.body))")
            }
        }
    }

    @Test("/invocations without a model names both ways to give one, NOMALY_INVOCATIONS_MODEL included")
    func invocationsNamesTheSetting() async throws {
        try await withTestAPI { harness in
            try await harness.client.execute(
                uri: "/invocations",
                method: .post,
                headers: bearer(harness.tokens.operatorToken, contentType: "text/csv"),
                body: ByteBuffer(string: "amount,hour,velocity\n1,2,3\n")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(errorCode(response) == "no_model")
                let text = String(buffer: response.body)
                #expect(text.contains("X-Nomaly-Model") && text.contains("NOMALY_INVOCATIONS_MODEL"), "\(text)")
            }
        }
    }

    @Test("a CSV without one of the model's features is refused as a missing column")
    func missingFeatureColumn() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            try await harness.client.execute(
                uri: "/api/v1/models/fraud/score",
                method: .post,
                headers: bearer(harness.tokens.operatorToken, contentType: "text/csv"),
                body: ByteBuffer(string: "amount,hour\n1,2\n")
            ) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .badRequest, "\(text)")
                #expect(text.contains(#"missing column \"velocity\""#), "\(text)")
            }
        }
    }
}

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

@Suite("Model artifacts over HTTP: download with ETag, upload and register (real Postgres)")
struct ArtifactRoutesTests {
    func headers(_ token: String, contentType: String? = nil) -> HTTPFields { bearer(token, contentType: contentType) }

    /// Trains a small real model tarball and returns its bytes.
    func artifact(seed: UInt64, in folder: TemporaryFolder) async throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: try await trainArtifact(seed: seed, in: folder)))
    }

    func versionCount(_ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*)::int FROM model_versions").decode(Int.self).first ?? -1
    }

    func storedObjects(_ folder: TemporaryFolder) -> [String] {
        let root = folder.path + "/artifacts"
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { path in
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &directory) && !directory.boolValue
        }
    }

    @Test("download: the registered bytes, ETag is the sha256, attachment name, If-None-Match answers 304")
    func download() async throws {
        try await withTestAPI { harness in
            let path = try await trainArtifact(seed: 1, in: harness.folder)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let version = try await harness.registry.register(model: "fraud", artifact: path, actor: "test")
            let uri = "/api/v1/models/fraud/versions/1/artifact"
            try await harness.client.execute(uri: uri, method: .get, headers: headers(harness.tokens.viewer)) { response in
                #expect(response.status == .ok)
                #expect(Data(response.body.readableBytesView) == bytes)
                #expect(response.headers[.eTag] == "\"\(version.artifactSha256)\"")
                #expect(response.headers[.contentType] == "application/gzip")
                #expect(response.headers[.contentLength] == "\(bytes.count)")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"fraud-1.tar.gz\"")
            }
            var conditional = headers(harness.tokens.viewer)
            conditional[.ifNoneMatch] = "\"\(version.artifactSha256)\""
            try await harness.client.execute(uri: uri, method: .get, headers: conditional) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            conditional[.ifNoneMatch] = "\"0000\""
            try await harness.client.execute(uri: uri, method: .get, headers: conditional) { #expect($0.status == .ok) }
            try await harness.client.execute(uri: "/api/v1/models/fraud/versions/9/artifact", method: .get, headers: headers(harness.tokens.viewer)) {
                #expect($0.status == .notFound)
            }
        }
    }

    @Test("upload: admins register version 1 then 2 with a description; operators get 403; other media types 415")
    func upload() async throws {
        try await withTestAPI { harness in
            let first = try await artifact(seed: 1, in: harness.folder)
            let second = try await artifact(seed: 2, in: harness.folder)
            let uri = "/api/v1/models/fraud/versions?description=weekly%20retrain"
            try await harness.client.execute(
                uri: uri,
                method: .post,
                headers: headers(harness.tokens.operatorToken, contentType: "application/gzip"),
                body: ByteBuffer(bytes: first)
            ) { response in
                #expect(response.status == .forbidden)
                #expect(errorCode(response) == "forbidden")
            }
            try await harness.client.execute(
                uri: uri,
                method: .post,
                headers: headers(harness.tokens.admin, contentType: "application/json"),
                body: ByteBuffer(bytes: first)
            ) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(errorCode(response) == "unsupported_media_type")
            }
            #expect(try await versionCount(harness.pool) == 0)
            for (expected, bytes, type) in [(1, first, "application/gzip"), (2, second, "application/octet-stream")] {
                try await harness.client.execute(
                    uri: uri,
                    method: .post,
                    headers: headers(harness.tokens.admin, contentType: type),
                    body: ByteBuffer(bytes: bytes)
                ) { response in
                    #expect(response.status == .created)
                    let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                    #expect(object?["version"] as? Int == expected)
                    #expect(object?["description"] as? String == "weekly retrain")
                    #expect(object?["created_by"] as? String == "token:alice")
                }
            }
            let stored = try await harness.registry.version(model: "fraud", version: 2)
            try await harness.client.execute(uri: "/api/v1/models/fraud/versions/2/artifact", method: .get, headers: headers(harness.tokens.viewer)) {
                #expect(Data($0.body.readableBytesView) == second)
                #expect($0.headers[.eTag] == "\"\(stored.artifactSha256)\"")
            }
        }
    }

    @Test("upload past the limit answers 413 and registers nothing")
    func tooLarge() async throws {
        try await withTestAPI(uploadLimit: 1024) { harness in
            let bytes = try await artifact(seed: 1, in: harness.folder)
            #expect(bytes.count > 1024)
            try await harness.client.execute(
                uri: "/api/v1/models/fraud/versions",
                method: .post,
                headers: headers(harness.tokens.admin, contentType: "application/gzip"),
                body: ByteBuffer(bytes: bytes)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorCode(response) == "too_large")
            }
            #expect(try await versionCount(harness.pool) == 0)
            #expect(storedObjects(harness.folder).isEmpty)
        }
    }

    @Test("a body that is not a model tarball answers 422, with no version row and no stored object")
    func hostileBody() async throws {
        try await withTestAPI { harness in
            try await harness.client.execute(
                uri: "/api/v1/models/fraud/versions",
                method: .post,
                headers: headers(harness.tokens.admin, contentType: "application/gzip"),
                body: ByteBuffer(string: "this is plain text, not a gzip tarball\n")
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorCode(response) == "invalid_artifact")
            }
            #expect(try await versionCount(harness.pool) == 0)
            #expect(storedObjects(harness.folder).isEmpty)
        }
    }
}

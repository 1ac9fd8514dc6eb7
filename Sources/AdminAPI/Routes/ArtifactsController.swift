import Foundation
package import Hummingbird
package import Registry

/// `/api/v1/models/{name}/versions/{version}/artifact` (download, viewers) and `POST /api/v1/models/{name}/versions`
/// (upload and register, admins): model tarballs over HTTP, streamed through temporary files, never held in memory.
package struct ArtifactsController: Sendable {
    let registry: ModelRegistry
    /// The largest tarball accepted by the upload, in bytes; larger bodies are answered 413.
    let uploadLimit: Int64

    /// The size of the blocks a download is read and sent in.
    static let blockSize = 64 * 1024
    static let uploadTypes: Set<String> = ["application/gzip", "application/octet-stream"]

    package init(registry: ModelRegistry, uploadLimit: Int64) {
        self.registry = registry
        self.uploadLimit = uploadLimit
    }

    /// - Parameter api: the `/api/v1` group, behind ``BearerAuthMiddleware``.
    package func addRoutes(to api: RouterGroup<NomalyRequestContext>) {
        api.group("models").add(middleware: RequireRole(.viewer))
            .get("{name}/versions/{version}/artifact", use: download)
        api.group("models").add(middleware: RequireRole(.admin))
            .post("{name}/versions", use: upload)
    }

    @Sendable func download(_ request: Request, context: NomalyRequestContext) async throws -> Response {
        let name = try context.parameter("name")
        let number = try context.integerParameter("version")
        let version = try await registry.version(model: name, version: number)
        let etag = "\"\(version.artifactSha256)\""
        if let condition = request.headers[.ifNoneMatch], Self.matches(condition, etag: etag) {
            return Response(status: .notModified, headers: [.eTag: etag])
        }
        let path = Self.temporaryPath("download")
        let handle: FileHandle
        do {
            try await registry.artifacts.fetch(sha256: version.artifactSha256, to: path)
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw APIError(.internalServerError, code: "internal", "cannot open the fetched artifact")
            }
            handle = opened
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        // The open handle keeps the content readable; unlinking now means no path is left behind, even when the
        // body is never written (the client goes away first).
        try? FileManager.default.removeItem(atPath: path)
        let body = ResponseBody(contentLength: Int(version.artifactSize)) { writer in
            defer { try? handle.close() }
            while true {
                guard let data = try handle.read(upToCount: Self.blockSize), !data.isEmpty else { break }
                try await writer.write(ByteBuffer(bytes: data))
            }
            try await writer.finish(nil)
        }
        let headers: HTTPFields = [
            .contentType: "application/gzip",
            .eTag: etag,
            .contentDisposition: "attachment; filename=\"\(name)-\(number).tar.gz\"",
        ]
        return Response(status: .ok, headers: headers, body: body)
    }

    @Sendable func upload(_ request: Request, context: NomalyRequestContext) async throws -> Response {
        let name = try context.parameter("name")
        let mediaType = request.headers[.contentType].map(Self.mediaType) ?? ""
        guard Self.uploadTypes.contains(mediaType) else {
            throw APIError(
                .unsupportedMediaType,
                code: "unsupported_media_type",
                "the body must be a model tarball sent as application/gzip or application/octet-stream"
            )
        }
        if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared > uploadLimit {
            throw tooLarge()
        }
        let description = request.uri.queryParameters.get("description").map { String($0) } ?? ""
        let path = Self.temporaryPath("upload")
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw APIError(.internalServerError, code: "internal", "cannot create a temporary file for the upload")
        }
        do {
            defer { try? handle.close() }
            var received: Int64 = 0
            for try await buffer in request.body {
                received += Int64(buffer.readableBytes)
                guard received <= uploadLimit else { throw tooLarge() }
                try handle.write(contentsOf: buffer.readableBytesView)
            }
        }
        let version: ModelVersion
        do {
            version = try await registry.register(model: name, artifact: path, description: description, actor: context.actor)
        } catch let error as RegistryError where error.code == .invalidArtifact {
            throw APIError(.unprocessableContent, code: error.code.description, Self.withoutServerPaths(error.message, upload: path))
        }
        return try JSONResponse(version, status: .created).response(from: request, context: context)
    }

    /// A refusal of an upload in terms of what the client sent. The registry names the file it validated, which for an
    /// upload is this server's temporary file, and extraction errors name the scratch folder it unpacks into: paths that
    /// say nothing to the client and tell an attacker how the server is laid out (before issue 26 a hostile tarball's
    /// 422 carried them).
    static func withoutServerPaths(_ message: String, upload path: String) -> String {
        let named = message.replacingOccurrences(of: path, with: "the uploaded tarball")
        var temporary = NSTemporaryDirectory()
        while temporary.count > 1, temporary.hasSuffix("/") { temporary.removeLast() }
        guard
            let anyTemporaryPath = try? NSRegularExpression(
                pattern: NSRegularExpression.escapedPattern(for: temporary) + #"/[^\s"'(),;]*"#
            )
        else { return named }
        return anyTemporaryPath.stringByReplacingMatches(
            in: named,
            range: NSRange(named.startIndex..., in: named),
            withTemplate: "(a temporary folder)"
        )
    }

    func tooLarge() -> APIError {
        APIError(.contentTooLarge, code: "too_large", "the artifact is larger than the upload limit of \(uploadLimit) bytes")
    }

    static func temporaryPath(_ purpose: String) -> String {
        NSTemporaryDirectory() + "/nomaly-artifact-\(purpose)-" + UUID().uuidString + ".tar.gz"
    }

    /// `application/gzip; charset=x` → `application/gzip`.
    static func mediaType(_ header: String) -> String {
        header.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// Whether an `If-None-Match` list names `etag` (weak comparison) or is `*`.
    static func matches(_ condition: String, etag: String) -> Bool {
        condition.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "*" || tag == etag
        }
    }
}

import Crypto
import FileSystem
import Foundation
import Logging
import NIOPosix

extension S3Store {
    /// One part of a multipart upload: `length` bytes of the file from `offset`.
    struct Part: Sendable {
        var number: Int
        var offset: Int64
        var length: Int64
    }

    /// CreateMultipartUpload, the parts ``S3Configuration/concurrency`` at a time, CompleteMultipartUpload. On any
    /// failure, including cancellation, the parts in flight are stopped and the upload is aborted, so S3 keeps no
    /// orphaned parts.
    func multipartUpload(
        path: String,
        key: String,
        objectKey: String,
        size: Int64,
        sha256: String,
        tracker: ProgressTracker,
        ifAbsent: Bool = false
    ) async throws -> ObjectInfo {
        let uploadID = try await createUpload(objectKey: objectKey, metadata: [("x-amz-meta-sha256", sha256)])
        let partSize = configuration.partSize(forObjectOfSize: size)
        let parts = stride(from: Int64(0), to: size, by: Int(partSize)).enumerated().map { index, offset in
            Part(number: index + 1, offset: offset, length: min(partSize, size - offset))
        }
        logger.debug(
            "multipart upload",
            metadata: ["key": "\(objectKey)", "parts": "\(parts.count)", "part_size": "\(partSize)", "upload_id": "\(uploadID)"]
        )
        do {
            let etags = try await uploadParts(parts, path: path, objectKey: objectKey, uploadID: uploadID, tracker: tracker)
            let identity = WriteIdentity.content(sha256: sha256, size: size)
            let etag = try await conditional(key: key, identity: identity) {
                try await complete(key: key, objectKey: objectKey, uploadID: uploadID, etags: etags, identity: identity, ifAbsent: ifAbsent)
            }
            return ObjectInfo(key: key, size: size, lastModified: Date(), etag: etag, sha256: sha256)
        } catch {
            // A fresh task: a cancelled one would cancel the abort as well.
            let store = self
            await Task { await store.abort(objectKey: objectKey, uploadID: uploadID) }.value
            throw error
        }
    }

    /// CreateMultipartUpload with the object's metadata (`x-amz-meta-…` headers), which cannot change afterwards.
    /// - Returns: the upload's id.
    func createUpload(objectKey: String, metadata: [(name: String, value: String)]) async throws -> String {
        var initiate = S3Request(operation: "CreateMultipartUpload", method: "POST", bucket: bucket, key: objectKey)
        initiate.query = [("uploads", "")]
        initiate.headers = [("Content-Type", "application/octet-stream")] + metadata
        let created = try await send(initiate)
        guard let uploadID = created.xml?["UploadId"], !uploadID.isEmpty else {
            throw ObjectStoreError(code: .server, message: "CreateMultipartUpload s3://\(bucket)/\(objectKey) answered no UploadId")
        }
        return uploadID
    }

    /// Uploads the parts with at most ``S3Configuration/concurrency`` in flight.
    /// - Returns: each part's ETag by part number.
    func uploadParts(_ parts: [Part], path: String, objectKey: String, uploadID: String, tracker: ProgressTracker) async throws -> [Int: String] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var pending = parts[...]
            var etags: [Int: String] = [:]
            for _ in 0..<max(1, configuration.concurrency) {
                guard let part = pending.popFirst() else { break }
                group.addTask { try await uploadPart(part, path: path, objectKey: objectKey, uploadID: uploadID, tracker: tracker) }
            }
            // Leaving with an error cancels the parts still running and waits for them.
            while let (number, etag) = try await group.next() {
                etags[number] = etag
                if let part = pending.popFirst() {
                    group.addTask { try await uploadPart(part, path: path, objectKey: objectKey, uploadID: uploadID, tracker: tracker) }
                }
            }
            return etags
        }
    }

    func uploadPart(_ part: Part, path: String, objectKey: String, uploadID: String, tracker: ProgressTracker) async throws -> (Int, String) {
        let (length, digests) = try await transferThreads.pool(for: configuration).runIfActive {
            try FileDigests.compute(path: path, offset: part.offset, length: part.length)
        }
        let etag = try await sendPart(
            number: part.number,
            body: .file(path: path, offset: part.offset, length: length),
            digests: digests,
            objectKey: objectKey,
            uploadID: uploadID,
            tracker: tracker
        )
        return (part.number, etag)
    }

    /// Uploads one part held in memory (a streamed upload's), with its sha256 and MD5 for S3 to check.
    /// - Returns: the part's ETag.
    func uploadPart(number: Int, bytes: [UInt8], objectKey: String, uploadID: String) async throws -> String {
        let digests = FileDigests(
            sha256Hex: SHA256.hash(data: bytes).hexString,
            md5Base64: Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()
        )
        return try await sendPart(number: number, body: .bytes(bytes), digests: digests, objectKey: objectKey, uploadID: uploadID, tracker: nil)
    }

    private func sendPart(
        number: Int,
        body: S3Request.Body,
        digests: FileDigests,
        objectKey: String,
        uploadID: String,
        tracker: ProgressTracker?
    ) async throws -> String {
        var request = S3Request(operation: "UploadPart", method: "PUT", bucket: bucket, key: objectKey)
        request.query = [("partNumber", "\(number)"), ("uploadId", uploadID)]
        request.body = body
        request.payloadSHA256 = digests.sha256Hex
        if let md5 = digests.md5Base64 { request.headers = [("Content-MD5", md5)] }
        let response = try await send(request, progress: tracker)
        guard let etag = response.headers["etag"], !etag.isEmpty else {
            throw ObjectStoreError(code: .server, message: "UploadPart \(number) of s3://\(bucket)/\(objectKey) answered no ETag")
        }
        return etag
    }

    /// CompleteMultipartUpload, whose answer can carry an error under status 200 (``send(_:progress:)`` reads it).
    /// - Parameter ifAbsent: send `If-None-Match: *`, so that S3 refuses (412) to complete over an existing object.
    func complete(
        key: String,
        objectKey: String,
        uploadID: String,
        etags: [Int: String],
        identity: WriteIdentity,
        ifAbsent: Bool = false
    ) async throws -> String? {
        let parts = etags.keys.sorted().map { number in
            "<Part><PartNumber>\(number)</PartNumber><ETag>\(S3XMLElement.escape(etags[number]!))</ETag></Part>"
        }
        let xml = #"<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
        let body = Array((xml + parts.joined() + "</CompleteMultipartUpload>").utf8)
        var request = S3Request(operation: "CompleteMultipartUpload", method: "POST", bucket: bucket, key: objectKey)
        request.query = [("uploadId", uploadID)]
        request.headers = [("Content-Type", "application/xml")]
        if ifAbsent { request.headers.append(("If-None-Match", "*")) }
        request.body = .bytes(body)
        request.payloadSHA256 = SHA256.hash(data: body).hexString
        do {
            return try await send(request).xml?["ETag"].map(Self.unquote)
        } catch let error as ObjectStoreError where error.s3Code == "NoSuchUpload" {
            // An earlier attempt may have completed the upload and lost the answer: the object, if it is ours, says so.
            if let headers = try await headHeaders(key: key), identity.matches(headers) { return headers["etag"].map(Self.unquote) }
            throw error
        }
    }

    /// AbortMultipartUpload, retried like any request; a failure is logged, since the upload already failed.
    func abort(objectKey: String, uploadID: String) async {
        var request = S3Request(operation: "AbortMultipartUpload", method: "DELETE", bucket: bucket, key: objectKey)
        request.query = [("uploadId", uploadID)]
        do {
            try await send(request)
        } catch let error as ObjectStoreError where error.s3Code == "NoSuchUpload" {
            return
        } catch {
            logger.error(
                "cannot abort a failed multipart upload: its parts stay stored (and billed) until a lifecycle rule removes them",
                metadata: ["key": "\(objectKey)", "upload_id": "\(uploadID)", "error": "\(error)"]
            )
        }
    }
}

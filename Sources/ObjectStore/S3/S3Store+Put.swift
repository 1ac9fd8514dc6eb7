import Crypto
import FileSystem
import Foundation
import NIOPosix

extension S3Store {
    /// Uploads a local file: one PUT below ``S3Configuration/multipartThreshold``, a multipart upload above.
    ///
    /// The file is hashed first: its sha256 is signed as the payload hash (so S3 refuses a body that changed on the
    /// way), stored as `x-amz-meta-sha256`, and each PUT or part carries a `Content-MD5` that S3 checks as well.
    /// The object appears whole or not at all.
    /// - Returns: the object's metadata, with its sha256.
    @discardableResult
    package func put(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        try await upload(file: path, key: key, progress: progress, ifAbsent: false)
    }

    /// Uploads like ``put(file:key:progress:)``, but only where no object exists: a HEAD refuses early (before any
    /// byte is sent), and the PutObject or CompleteMultipartUpload carries `If-None-Match: *`, so S3 refuses an object
    /// that appeared during the upload too (412). A server that ignores the condition (S3-compatible ones before
    /// 2024) leaves only the moment between the HEAD and the write unguarded.
    @discardableResult
    package func putIfAbsent(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        try await upload(file: path, key: key, progress: progress, ifAbsent: true)
    }

    func upload(file path: String, key: String, progress: TransferProgressHandler?, ifAbsent: Bool) async throws -> ObjectInfo {
        let objectKey = try objectKey(key)
        if ifAbsent, try await head(key: key) != nil { throw ObjectStoreError.exists("s3://\(bucket)/\(objectKey)") }
        let configuration = configuration
        // A multipart upload needs only the sha256 here: its parts get their own MD5s.
        let (size, digests) = try await transferThreads.pool(for: configuration).runIfActive {
            try FileDigests.compute(path: path, offset: 0, length: nil) { !configuration.usesMultipart(forObjectOfSize: $0) }
        }
        let tracker = ProgressTracker(total: size, handler: progress)
        if configuration.usesMultipart(forObjectOfSize: size) {
            return try await multipartUpload(
                path: path,
                key: key,
                objectKey: objectKey,
                size: size,
                sha256: digests.sha256Hex,
                tracker: tracker,
                ifAbsent: ifAbsent
            )
        }
        return try await putObject(
            key: key,
            objectKey: objectKey,
            body: .file(path: path, offset: 0, length: size),
            digests: digests,
            tracker: tracker,
            ifAbsent: ifAbsent
        )
    }

    /// Stores bytes held in memory with one PutObject (a streamed upload that ended before its first part was full).
    func put(bytes: [UInt8], key: String, ifAbsent: Bool) async throws -> ObjectInfo {
        let digests = FileDigests(
            sha256Hex: SHA256.hash(data: bytes).hexString,
            md5Base64: Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()
        )
        return try await putObject(key: key, objectKey: try objectKey(key), body: .bytes(bytes), digests: digests, tracker: nil, ifAbsent: ifAbsent)
    }

    /// PutObject with the content's sha256 as payload hash and `x-amz-meta-sha256`, its MD5 when known, and
    /// `If-None-Match: *` when it must not replace an object.
    private func putObject(
        key: String,
        objectKey: String,
        body: S3Request.Body,
        digests: FileDigests,
        tracker: ProgressTracker?,
        ifAbsent: Bool
    ) async throws -> ObjectInfo {
        var request = S3Request(operation: "PutObject", method: "PUT", bucket: bucket, key: objectKey)
        request.body = body
        request.payloadSHA256 = digests.sha256Hex
        request.headers = [("Content-Type", "application/octet-stream"), ("x-amz-meta-sha256", digests.sha256Hex)]
        if let md5 = digests.md5Base64 { request.headers.append(("Content-MD5", md5)) }
        if ifAbsent { request.headers.append(("If-None-Match", "*")) }
        let size = request.bodyLength
        let etag = try await conditional(key: key, identity: .content(sha256: digests.sha256Hex, size: size)) {
            try await send(request, progress: tracker).headers["etag"].map(Self.unquote)
        }
        return ObjectInfo(key: key, size: size, lastModified: Date(), etag: etag, sha256: digests.sha256Hex)
    }

    /// Runs a write that may carry `If-None-Match: *`. S3 answers 412 when an object is there, which is also what an
    /// earlier attempt of this very write leaves behind when its answer was lost and the write retried: an object that
    /// `identity` recognises is ours, anything else is someone else's.
    /// - Returns: the written object's ETag, as `write` returns it.
    func conditional(key: String, identity: WriteIdentity, _ write: () async throws -> String?) async throws -> String? {
        do {
            return try await write()
        } catch let error as ObjectStoreError where error.httpStatus == 412 {
            if let headers = try await headHeaders(key: key), identity.matches(headers) { return headers["etag"].map(Self.unquote) }
            throw ObjectStoreError.exists("s3://\(bucket)/\(prefix)\(key)")
        }
    }
}

/// How a write recognises its own object when the answer to its request was lost and a retry finds an object there.
enum WriteIdentity: Sendable {
    /// The sha256 recorded at upload (`x-amz-meta-sha256`) and the size: for content known before the upload starts.
    case content(sha256: String, size: Int64)
    /// A random token recorded at upload (`x-amz-meta-nomaly-write`): for content streamed while it is produced,
    /// whose sha256 is known only at the end, after the object's metadata was fixed.
    case token(String)

    static let tokenHeader = "x-amz-meta-nomaly-write"

    /// Whether the headers of a HEAD describe the object this write stored.
    func matches(_ headers: [String: String]) -> Bool {
        switch self {
        case .content(let sha256, let size):
            headers["x-amz-meta-sha256"]?.lowercased() == sha256 && headers["content-length"].flatMap { Int64($0) } == size
        case .token(let token):
            headers[Self.tokenHeader] == token
        }
    }
}

/// The digests a PUT needs, computed in one pass over the bytes.
struct FileDigests: Sendable {
    var sha256Hex: String
    var md5Base64: String?

    /// Reads `length` bytes from `offset` (the rest of the file when nil). Blocking.
    /// - Parameter withMD5: told the size, says whether the MD5 is needed too.
    /// - Returns: the number of bytes read and their digests.
    /// - Throws: ``ObjectStoreError`` `.notFound` for a missing file, `.io` for other trouble, including a file
    ///   shorter than `length`.
    static func compute(
        path: String,
        offset: Int64,
        length: Int64?,
        withMD5: (Int64) -> Bool = { _ in true }
    ) throws(ObjectStoreError) -> (Int64, FileDigests) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw ObjectStoreError(code: .notFound, message: "no such file: \(path)") }
            throw ObjectStoreError.posix("cannot open \(path)")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ObjectStoreError.posix("cannot stat \(path)") }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ObjectStoreError(code: .io, message: "\(path) is not a regular file")
        }
        let wanted = length ?? (Int64(status.st_size) - offset)
        var sha256 = SHA256()
        var md5 = withMD5(wanted) ? Insecure.MD5() : nil
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var done: Int64 = 0
        while done < wanted {
            let chunk = Int(min(Int64(buffer.count), wanted - done))
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, chunk, off_t(offset + done)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ObjectStoreError.posix("cannot read \(path)")
            }
            if count == 0 { throw ObjectStoreError(code: .io, message: "\(path) became shorter while it was being read") }
            buffer.withUnsafeBytes { bytes in
                let slice = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                sha256.update(bufferPointer: slice)
                md5?.update(bufferPointer: slice)
            }
            done += Int64(count)
        }
        let digests = FileDigests(sha256Hex: sha256.finalize().hexString, md5Base64: md5.map { Data($0.finalize()).base64EncodedString() })
        return (done, digests)
    }
}

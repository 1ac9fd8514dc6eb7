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
    public func put(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        try await upload(file: path, key: key, progress: progress, ifAbsent: false)
    }

    /// Uploads like ``put(file:key:progress:)``, but only where no object exists: a HEAD refuses early (before any
    /// byte is sent), and the PutObject or CompleteMultipartUpload carries `If-None-Match: *`, so S3 refuses an object
    /// that appeared during the upload too (412). A server that ignores the condition (S3-compatible ones before
    /// 2024) leaves only the moment between the HEAD and the write unguarded.
    @discardableResult
    public func putIfAbsent(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        try await upload(file: path, key: key, progress: progress, ifAbsent: true)
    }

    func upload(file path: String, key: String, progress: TransferProgressHandler?, ifAbsent: Bool) async throws -> ObjectInfo {
        let objectKey = try objectKey(key)
        if ifAbsent, try await head(key: key) != nil { throw ObjectStoreError.exists("s3://\(bucket)/\(objectKey)") }
        let configuration = configuration
        // A multipart upload needs only the sha256 here: its parts get their own MD5s.
        let (size, digests) = try await threads.pool.runIfActive {
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
        var request = S3Request(operation: "PutObject", method: "PUT", bucket: bucket, key: objectKey)
        request.body = .file(path: path, offset: 0, length: size)
        request.payloadSHA256 = digests.sha256Hex
        request.headers = [("Content-Type", "application/octet-stream"), ("x-amz-meta-sha256", digests.sha256Hex)]
        if let md5 = digests.md5Base64 { request.headers.append(("Content-MD5", md5)) }
        if ifAbsent { request.headers.append(("If-None-Match", "*")) }
        let etag = try await conditional(key: key, sha256: digests.sha256Hex, size: size) {
            try await send(request, progress: tracker).headers["etag"].map(Self.unquote)
        }
        return ObjectInfo(key: key, size: size, lastModified: Date(), etag: etag, sha256: digests.sha256Hex)
    }

    /// Runs a write that may carry `If-None-Match: *`. S3 answers 412 when an object is there, which is also what an
    /// earlier attempt of this very write leaves behind when its answer was lost and the write retried: an object with
    /// our sha256 and size is ours, anything else is someone else's.
    /// - Returns: the written object's ETag, as `write` returns it.
    func conditional(key: String, sha256: String, size: Int64, _ write: () async throws -> String?) async throws -> String? {
        do {
            return try await write()
        } catch let error as ObjectStoreError where error.httpStatus == 412 {
            if let existing = try await head(key: key), existing.sha256 == sha256, existing.size == size { return existing.etag }
            throw ObjectStoreError.exists("s3://\(bucket)/\(prefix)\(key)")
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

import FileSystem
import Foundation
import Logging

extension S3Store {
    /// Opens an object for reading as it downloads (``ObjectReadStream``), for readers that consume bytes in order and
    /// must not copy a large object to disk first.
    ///
    /// A HEAD comes first: a missing object or one larger than `maxBytes` fails here, before any byte is read. The GET
    /// then carries `If-Match` with the HEAD's ETag, so the bytes all belong to that object, and a transfer that fails
    /// part-way (after ``S3Configuration/maxAttempts`` tries in all) resumes with `Range` where the stream stands.
    /// - Throws: ``ObjectStoreError`` `.notFound`, `.tooLarge`, `.accessDenied`, …
    package func openStream(key: String, maxBytes: Int64) async throws -> ObjectReadStream {
        let objectKey = try objectKey(key)
        let location = "s3://\(bucket)/\(objectKey)"
        guard let info = try await head(key: key) else {
            throw ObjectStoreError(code: .notFound, message: "no object at \(location)")
        }
        guard info.size <= maxBytes else {
            throw ObjectStoreError(
                code: .tooLarge,
                message: "\(location) holds \(info.size) bytes, more than the \(maxBytes) a reader here accepts"
            )
        }
        let stream = ObjectReadStream(location: location, size: info.size, sha256: info.sha256, maxBytes: maxBytes)
        let feeding = Task { await feed(stream, objectKey: objectKey, etag: info.etag) }
        stream.onClose = { feeding.cancel() }
        return stream
    }

    /// GETs the object into the stream, resuming after transient failures; ends the stream with success or the error.
    func feed(_ stream: ObjectReadStream, objectKey: String, etag: String?) async {
        let cancellation = CancellationFlag()
        var attempt = 1
        while true {
            let offset = stream.bytesReceived
            var request = S3Request(operation: "GetObject", method: "GET", bucket: bucket, key: objectKey)
            if offset > 0 { request.headers.append(("Range", "bytes=\(offset)-")) }
            if let etag { request.headers.append(("If-Match", "\"\(etag)\"")) }
            let get = request
            do {
                try await withTaskCancellationHandler {
                    try Task.checkCancellation()
                    // A thread of its own, for as long as it downloads: the transfer waits for its reader whenever the
                    // stream's buffer is full, and the reader (on the blocking pool, say) waits for the transfer, so
                    // were the GET queued for a pool thread that readers hold, neither would ever finish.
                    try await DedicatedThread.run(named: "nomaly.s3-get") {
                        let handle = try handles.borrow()
                        defer { handles.giveBack(handle) }
                        let transfer = CurlTransfer(cancellation: cancellation, onBytes: nil)
                        let response = try handle.perform(
                            get,
                            configuration: configuration,
                            sink: stream.sink(resumingAt: offset),
                            transfer: transfer
                        )
                        guard response.isSuccess else { throw response.error(for: get) }
                    }
                } onCancel: {
                    cancellation.cancel()
                }
                stream.finish()
                return
            } catch let error as ObjectStoreError where error.code == .transport && attempt < configuration.maxAttempts && !stream.isClosed {
                let delay = Self.backoff(attempt: attempt, base: configuration.retryBaseDelay)
                logger.warning(
                    "S3 download interrupted, resuming",
                    metadata: ["key": "\(objectKey)", "at_byte": "\(stream.bytesReceived)", "attempt": "\(attempt)", "retry_in": "\(delay)"]
                )
                do { try await Task.sleep(for: delay) } catch {
                    stream.fail(error)
                    return
                }
                attempt += 1
            } catch let error as ObjectStoreError where error.httpStatus == 412 {
                stream.fail(
                    ObjectStoreError(
                        code: .integrity,
                        message: "\(stream.location) changed while it was being read",
                        s3Code: error.s3Code,
                        httpStatus: 412
                    )
                )
                return
            } catch {
                stream.fail(error)
                return
            }
        }
    }
}

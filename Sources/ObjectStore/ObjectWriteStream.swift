import Foundation
import Synchronization

/// An object written while its content is produced, for writers that must not stage a large output on local disk
/// first (a scoring run's scores).
///
/// Bytes gather in memory until a part is full; full parts go up as parts of a multipart upload, several at a time,
/// while the writer carries on. ``finish()`` sends the rest and completes the upload, with `If-None-Match: *` unless
/// the stream may replace an object, so the object appears whole and only then, and never over one that appeared
/// meanwhile. Content that ends before its first part is full goes up as one PutObject instead. On any failure, and on
/// ``abort()``, the parts are stopped and the upload aborted: S3 keeps neither an object nor orphaned parts.
///
/// Memory: the part being filled plus the parts in flight, at most `S3_CONCURRENCY` × `S3_PART_SIZE` together (one
/// part in flight when parts grow larger than that). Parts are `S3_PART_SIZE` (at least 5 MiB) and double every
/// 2,000 parts, so the 10,000 parts S3 allows hold 31 × 2,000 × `S3_PART_SIZE` (about 1 TB at 16 MiB).
///
/// A streamed multipart object records no `x-amz-meta-sha256` (its metadata is fixed before its content is known);
/// each part's sha256 and MD5 are checked by S3 as it arrives. The object records a random `x-amz-meta-nomaly-write`
/// token instead, by which a retried completion recognises its own object.
///
/// ```swift
/// let stream = try await store.openUpload(key: "out/scores.csv", replacing: false)
/// do {
///     try stream.write(bytes)          // blocking, from a thread that may block
///     let info = try stream.finish()   // blocking
/// } catch {
///     stream.abort()
///     throw error
/// }
/// ```
///
/// Invariant: one writer calls ``write(_:)``, ``finish()`` and ``abort()``, one call at a time, from a thread that may
/// block but is not one of Swift's cooperative threads: it waits for part uploads, which run there. Part uploads
/// update the shared state under `condition`.
package final class ObjectWriteStream: @unchecked Sendable {
    /// `s3://bucket/key`, for messages.
    package let location: String
    private let store: S3Store
    private let key: String
    private let objectKey: String
    private let replacing: Bool
    private let token = UUID().uuidString
    private let basePartSize: Int
    private let inFlightBudget: Int

    // The writer's own state.
    private var pending: [UInt8] = []
    private var partsStarted = 0
    private var uploadID: String?
    private var size: Int64 = 0

    // Shared with the part uploads.
    private let condition = NSCondition()
    private var etags: [Int: String] = [:]
    private var inFlight: [Int: Task<Void, Never>] = [:]
    private var inFlightBytes = 0
    private var failure: (any Error)?
    private var state = State.open

    private enum State {
        case open, finished, aborted
    }

    /// Parts double in size every this many parts.
    static let partsPerSize = 2_000

    init(store: S3Store, key: String, objectKey: String, replacing: Bool) {
        self.store = store
        self.key = key
        self.objectKey = objectKey
        self.replacing = replacing
        location = "s3://\(store.bucket)/\(objectKey)"
        basePartSize = Int(max(store.configuration.partSize, S3Configuration.minimumPartSize))
        inFlightBudget = max(1, store.configuration.concurrency) * basePartSize
    }

    deinit {
        // A writer that neither finished nor aborted: stop what runs, without waiting (deinit may run anywhere).
        guard state == .open else { return }
        for task in inFlight.values { task.cancel() }
        if let uploadID {
            let store = store
            let objectKey = objectKey
            Task { await store.abort(objectKey: objectKey, uploadID: uploadID) }
        }
    }

    /// The size of part `number` (1-based).
    func partSize(_ number: Int) -> Int {
        let doublings = min((number - 1) / Self.partsPerSize, 20)
        return Int(min(Int64(basePartSize) << doublings, S3Configuration.maximumPartSize))
    }

    /// Adds bytes; a full part starts uploading, after waiting while too many bytes are in flight. Blocking.
    /// - Throws: a part's upload error, or `CancellationError` after ``abort()``.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        try checkOpen()
        size += Int64(bytes.count)
        pending.append(contentsOf: bytes)
        while pending.count >= partSize(partsStarted + 1) {
            let count = partSize(partsStarted + 1)
            let part = Array(pending[..<count])
            pending.removeFirst(count)
            try startPart(part)
        }
    }

    /// Sends what is left and completes the object. Blocking.
    /// - Returns: the object's metadata (its sha256 when it went up in one PutObject).
    /// - Throws: ``ObjectStoreError`` `.alreadyExists` when an object is there and the stream may not replace it,
    ///   the upload's error otherwise; the upload is aborted either way.
    @discardableResult
    package func finish() throws -> ObjectInfo {
        try checkOpen()
        do {
            let info: ObjectInfo
            if uploadID == nil {
                let (store, bytes, key, ifAbsent) = (store, pending, key, !replacing)
                info = try Self.waitFor { try await store.put(bytes: bytes, key: key, ifAbsent: ifAbsent) }
            } else {
                if !pending.isEmpty { try startPart(pending) }
                pending = []
                let etags = try waitForParts()
                let (store, key, objectKey, uploadID, identity, ifAbsent) = (store, key, objectKey, uploadID!, WriteIdentity.token(token), !replacing)
                let etag = try Self.waitFor {
                    try await store.conditional(key: key, identity: identity) {
                        try await store.complete(
                            key: key,
                            objectKey: objectKey,
                            uploadID: uploadID,
                            etags: etags,
                            identity: identity,
                            ifAbsent: ifAbsent
                        )
                    }
                }
                info = ObjectInfo(key: key, size: size, lastModified: Date(), etag: etag, sha256: nil)
            }
            condition.withLock { state = .finished }
            return info
        } catch {
            abort()
            throw error
        }
    }

    /// Stops the parts in flight and aborts the upload, waiting for both. Safe to call more than once, and after
    /// ``finish()`` (then it does nothing). Blocking.
    package func abort() {
        let running: [Task<Void, Never>]? = condition.withLock {
            guard state == .open else { return nil }
            state = .aborted
            failure = failure ?? CancellationError()
            condition.broadcast()
            return Array(inFlight.values)
        }
        guard let running else { return }
        for task in running { task.cancel() }
        condition.withLock { while !inFlight.isEmpty { condition.wait() } }
        if let uploadID {
            let (store, objectKey) = (store, objectKey)
            _ = try? Self.waitFor { await store.abort(objectKey: objectKey, uploadID: uploadID) }
        }
        pending = []
    }

    // MARK: Parts

    private func checkOpen() throws {
        try condition.withLock {
            if let failure { throw failure }
            guard state == .open else { throw CancellationError() }
        }
    }

    /// Starts uploading `part` as the next part, creating the multipart upload first if this is the first.
    private func startPart(_ part: [UInt8]) throws {
        if uploadID == nil {
            let (store, objectKey, metadata) = (store, objectKey, [(name: WriteIdentity.tokenHeader, value: token)])
            uploadID = try Self.waitFor { try await store.createUpload(objectKey: objectKey, metadata: metadata) }
        }
        let number = partsStarted + 1
        guard Int64(number) <= S3Configuration.maximumPartCount else {
            throw ObjectStoreError(code: .tooLarge, message: "\(location) needs more than \(S3Configuration.maximumPartCount) parts")
        }
        partsStarted = number
        let (store, objectKey, uploadID) = (store, objectKey, uploadID!)
        try condition.withLock {
            while failure == nil && !inFlight.isEmpty && inFlightBytes + part.count > inFlightBudget { condition.wait() }
            if let failure { throw failure }
            inFlightBytes += part.count
            // Registered under the lock: the task's own update waits for it, so it cannot be lost.
            inFlight[number] = Task {
                let result: Result<String, any Error>
                do {
                    result = .success(try await store.uploadPart(number: number, bytes: part, objectKey: objectKey, uploadID: uploadID))
                } catch {
                    result = .failure(error)
                }
                self.partEnded(number, bytes: part.count, result: result)
            }
        }
    }

    private func partEnded(_ number: Int, bytes: Int, result: Result<String, any Error>) {
        condition.withLock {
            switch result {
            case .success(let etag): etags[number] = etag
            case .failure(let error): failure = failure ?? error
            }
            inFlight[number] = nil
            inFlightBytes -= bytes
            condition.broadcast()
        }
    }

    /// Waits until every part is up. - Returns: their ETags. - Throws: the first part's error.
    private func waitForParts() throws -> [Int: String] {
        try condition.withLock {
            while failure == nil && !inFlight.isEmpty { condition.wait() }
            if let failure { throw failure }
            return etags
        }
    }

    /// Runs `operation` as a task and waits for it on this thread, which is not one of the cooperative pool's.
    static func waitFor<Value: Sendable>(_ operation: @escaping @Sendable () async throws -> Value) throws -> Value {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Value, any Error>?>(nil)
        Task {
            let result: Result<Value, any Error>
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }
}

extension S3Store {
    /// Opens an object for writing as its content is produced (``ObjectWriteStream``).
    /// - Parameter replacing: false refuses an existing object now (HEAD) and again when the object is completed
    ///   (`If-None-Match: *`).
    /// - Throws: ``ObjectStoreError`` `.alreadyExists`, `.invalidLocation`, or the HEAD's error.
    package func openUpload(key: String, replacing: Bool) async throws -> ObjectWriteStream {
        let objectKey = try objectKey(key)
        if !replacing, try await head(key: key) != nil { throw ObjectStoreError.exists("s3://\(bucket)/\(objectKey)") }
        return ObjectWriteStream(store: self, key: key, objectKey: objectKey, replacing: replacing)
    }
}

import FileSystem
import Foundation
import Logging
import NIOPosix
import Synchronization

extension S3Store {
    /// Sends a request whose answer is kept in memory, retrying transient failures.
    /// - Returns: a 2xx answer that carries no `<Error>`.
    /// - Throws: ``ObjectStoreError`` made from S3's answer, or from curl after the last attempt.
    @discardableResult
    func send(_ request: S3Request, progress: ProgressTracker? = nil) async throws -> S3Response {
        try await withRetries(request, progress: progress) { handle, transfer in
            let response = try handle.perform(request, configuration: configuration, sink: nil, transfer: transfer)
            // CompleteMultipartUpload may report an error under 200: POST answers are read for one.
            guard response.isSuccess, request.method != "POST" || response.s3Error == nil else {
                throw response.error(for: request)
            }
            return response
        }
    }

    /// Runs `attempt` on the blocking pool with a borrowed curl handle, again after each transient failure
    /// (``ObjectStoreError/Code/transport``), waiting `retryBaseDelay × 2ⁿ` with jitter in between, at most
    /// ``S3Configuration/maxAttempts`` times. Cancelling the task aborts the transfer in flight.
    func withRetries<Result: Sendable>(
        _ request: S3Request,
        progress: ProgressTracker?,
        _ attempt: @escaping @Sendable (CurlHandle, CurlTransfer) throws -> Result
    ) async throws -> Result {
        let cancellation = CancellationFlag()
        var number = 1
        while true {
            let attemptBytes = ByteCounter()
            do {
                return try await withTaskCancellationHandler {
                    try await transferThreads.pool(for: configuration).runIfActive {
                        let handle = try handles.borrow()
                        defer { handles.giveBack(handle) }
                        let transfer = CurlTransfer(cancellation: cancellation) { count in
                            attemptBytes.add(count)
                            progress?.add(count)
                        }
                        transfer.onDownloadSize = { progress?.setTotal($0) }
                        return try attempt(handle, transfer)
                    }
                } onCancel: {
                    cancellation.cancel()
                }
            } catch let error as ObjectStoreError where error.code == .transport && number < configuration.maxAttempts {
                progress?.add(-attemptBytes.value)
                let delay = Self.backoff(attempt: number, base: configuration.retryBaseDelay)
                logger.warning(
                    "S3 request failed, retrying",
                    metadata: ["operation": "\(request.operation)", "attempt": "\(number)", "retry_in": "\(delay)", "error": "\(error)"]
                )
                try await Task.sleep(for: delay)
                number += 1
            } catch {
                progress?.add(-attemptBytes.value)
                throw error
            }
        }
    }

    /// The wait before attempt `attempt + 1`: `base × 2^(attempt−1)`, at most 20 s, of which a random half is dropped
    /// so that clients failing together do not retry together.
    static func backoff(attempt: Int, base: Duration) -> Duration {
        let exponential = base * (1 << min(attempt - 1, 16))
        let capped = min(exponential, .seconds(20))
        return capped / 2 + capped / 2 * Double.random(in: 0...1)
    }
}

/// Sums the bytes of one transfer's requests (the parts of a multipart upload travel together) and reports the total
/// to the caller's ``TransferProgressHandler``.
final class ProgressTracker: Sendable {
    private let done = Atomic<Int64>(0)
    private let total: Atomic<Int64>
    private let handler: TransferProgressHandler?

    init(total: Int64?, handler: TransferProgressHandler?) {
        self.total = Atomic(total ?? -1)
        self.handler = handler
    }

    func add(_ count: Int64) {
        guard count != 0 else { return }
        let now = done.add(count, ordering: .relaxed).newValue
        guard let handler else { return }
        let total = total.load(ordering: .relaxed)
        handler(now, total >= 0 ? total : nil)
    }

    func setTotal(_ value: Int64) { total.store(value, ordering: .relaxed) }
}

/// A byte count shared between a blocking thread and the task that waits for it.
final class ByteCounter: Sendable {
    private let count = Atomic<Int64>(0)

    func add(_ value: Int64) { count.add(value, ordering: .relaxed) }

    var value: Int64 { count.load(ordering: .relaxed) }
}

/// Whether a bucket is known to exist, shared by copies of one ``S3Store``.
final class BucketCheck: Sendable {
    private let known = Atomic<Bool>(false)

    var exists: Bool {
        get { known.load(ordering: .relaxed) }
        set { known.store(newValue, ordering: .relaxed) }
    }
}

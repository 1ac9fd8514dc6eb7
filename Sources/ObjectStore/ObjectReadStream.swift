import Crypto
import FileSystem
import Foundation

/// An object read while it downloads: a transfer on a thread of its own fills a small bounded buffer, and the reader
/// takes the bytes on a thread that may block, so an input of any size is read in constant memory and nothing lands on disk.
///
/// The object's size and recorded sha256 (from the HEAD that opened the stream) are checked as the bytes pass: the
/// end of the stream is reported only once both matched, and a larger object than `maxBytes` fails as soon as one
/// byte too many arrives, whatever the server announced.
///
/// ```swift
/// let stream = try await store.openStream(key: "inbox/today.csv", maxBytes: 10 << 30)
/// defer { stream.close() }
/// var buffer = [UInt8](repeating: 0, count: 1 << 20)
/// while true {
///     let count = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }   // blocking
///     if count == 0 { break }
///     consume(buffer[0..<count])
/// }
/// ```
///
/// Invariant: one reader calls ``read(into:)``; one transfer at a time writes. Shared state is guarded by
/// `condition`.
package final class ObjectReadStream: @unchecked Sendable {
    /// `s3://bucket/key`, for messages.
    package let location: String
    /// The size the store announced when the stream was opened.
    package let size: Int64
    private let recordedSHA256: String?
    private let maxBytes: Int64
    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var headOffset = 0
    private var queuedBytes = 0
    private var hasher = SHA256()
    private var ended = false
    private var closed = false
    private var failure: (any Error)?
    /// Bytes accepted from the store so far: where a resumed transfer starts.
    private var received: Int64 = 0
    /// Called once by ``close()``: stops the transfer feeding the stream.
    var onClose: (@Sendable () -> Void)?

    /// Bytes held for the reader at most; the transfer waits beyond.
    static let capacity = 8 << 20

    init(location: String, size: Int64, sha256: String?, maxBytes: Int64) {
        self.location = location
        self.size = size
        self.recordedSHA256 = sha256
        self.maxBytes = maxBytes
    }

    deinit { close() }

    /// Copies the next bytes into `buffer`. Blocking.
    /// - Returns: how many; 0 only at the end, once the size and the recorded sha256 were checked.
    /// - Throws: the transfer's error (``ObjectStoreError`` `.tooLarge`, `.integrity`, `.transport`, …), or
    ///   `CancellationError` after ``close()``.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !ended && failure == nil && !closed { condition.wait() }
        if let failure { throw failure }
        if closed { throw CancellationError() }
        guard let head = chunks.first, !buffer.isEmpty else { return 0 }
        let count = min(buffer.count, head.count - headOffset)
        head.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[headOffset..<headOffset + count]))
        }
        headOffset += count
        queuedBytes -= count
        if headOffset == head.count {
            chunks.removeFirst()
            headOffset = 0
        }
        condition.broadcast()
        return count
    }

    /// Stops the transfer and drops what it buffered. Safe to call more than once, from any thread.
    package func close() {
        condition.lock()
        let stop = closed ? nil : onClose
        closed = true
        chunks.removeAll()
        queuedBytes = 0
        condition.broadcast()
        condition.unlock()
        stop?()
    }

    // MARK: Feeding (the store's side)

    /// Where the next transfer must start.
    var bytesReceived: Int64 {
        condition.lock()
        defer { condition.unlock() }
        return received
    }

    /// Whether the reader gave up, so that no further transfer is worth starting.
    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Called by the transfer when the whole object arrived: checks its size and sha256 before the reader sees the end.
    func finish() {
        condition.lock()
        defer { condition.unlock() }
        if received != size {
            failure = failure ?? ObjectStoreError(code: .transport, message: "GetObject \(location) delivered \(received) of \(size) bytes")
        } else if let recordedSHA256, case let actual = hasher.finalize().hexString, actual != recordedSHA256 {
            failure =
                failure
                ?? ObjectStoreError(
                    code: .integrity,
                    message: "GetObject \(location): content has sha256 \(actual), but \(recordedSHA256) was recorded at upload"
                )
        }
        ended = true
        condition.broadcast()
    }

    /// Ends the stream with the transfer's error; the reader gets it at its next read.
    func fail(_ error: any Error) {
        condition.lock()
        failure = failure ?? error
        condition.broadcast()
        condition.unlock()
    }

    /// The sink one attempt writes through; `resumingAt` is where that attempt's bytes start.
    func sink(resumingAt offset: Int64) -> Attempt { Attempt(stream: self, offset: offset) }

    /// One GET's view of the stream: it checks that the answer starts where the stream stands (a resumed download must
    /// get `206` for exactly the bytes asked for) before the bytes join the stream.
    final class Attempt: DownloadSink {
        let stream: ObjectReadStream
        let offset: Int64

        init(stream: ObjectReadStream, offset: Int64) {
            self.stream = stream
            self.offset = offset
        }

        func start(status: Int, headers: [String: String]) throws {
            if offset > 0 {
                // A server that ignores Range answers 200 with the whole object: appending it would corrupt the stream.
                guard status == 206, let range = headers["content-range"], range.hasPrefix("bytes \(offset)-") else {
                    throw ObjectStoreError(
                        code: .server,
                        message: "GetObject \(stream.location): asked to resume at byte \(offset), the server answered \(status) "
                            + (headers["content-range"].map { "for \($0)" } ?? "without Content-Range")
                    )
                }
            }
            if let length = headers["content-length"].flatMap({ Int64($0) }), offset + length > stream.maxBytes {
                throw stream.tooLarge(offset + length)
            }
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws {
            try stream.append(bytes)
        }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws {
        condition.lock()
        defer { condition.unlock() }
        while queuedBytes >= Self.capacity && !closed { condition.wait() }
        if closed { throw CancellationError() }
        guard received + Int64(bytes.count) <= maxBytes else { throw tooLarge(received + Int64(bytes.count)) }
        hasher.update(bufferPointer: bytes)
        chunks.append(Array(bytes))
        queuedBytes += bytes.count
        received += Int64(bytes.count)
        condition.broadcast()
    }

    private func tooLarge(_ bytes: Int64) -> ObjectStoreError {
        ObjectStoreError(
            code: .tooLarge,
            message: "\(location) holds more than the \(maxBytes) bytes a reader here accepts (at least \(bytes))"
        )
    }
}

internal import CCurl
import FileSystem
import Foundation
import Synchronization

/// Stops a transfer that runs on a blocking thread: the Swift task sets it, curl's progress callback reads it.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func cancel() { flag.store(true, ordering: .relaxed) }

    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// The state of one attempt, reached by curl's C callbacks through their `userdata` pointer: the upload source, the
/// answer's headers and body, the byte count and the first local failure.
///
/// Invariant: used by one `curl_easy_perform` on one thread, then read by the same thread.
final class CurlTransfer {
    private enum Upload {
        case none
        case bytes([UInt8], position: Int)
        case file(descriptor: Int32, offset: Int64, length: Int64, position: Int64)
    }

    /// Error bodies and XML answers are small; anything larger than this is cut off.
    static let memoryBodyLimit = 64 << 20

    let cancellation: CancellationFlag
    /// Called with each batch of body bytes sent or stored (negative after a rewind).
    let onBytes: (@Sendable (Int64) -> Void)?
    /// Called once, when a download starts, with the size S3 announced.
    var onDownloadSize: ((Int64) -> Void)?
    private(set) var headers: [String: String] = [:]
    private(set) var body: [UInt8] = []
    private(set) var failure: (any Error)?
    /// Body bytes handed to curl (uploads) or written to the sink (downloads) by this attempt.
    private(set) var bytesMoved: Int64 = 0
    private var handle: UnsafeMutableRawPointer?
    private var sink: (any DownloadSink)?
    private var writesToSink: Bool?
    private var upload = Upload.none
    private var path = ""

    init(cancellation: CancellationFlag, onBytes: (@Sendable (Int64) -> Void)?) {
        self.cancellation = cancellation
        self.onBytes = onBytes
    }

    deinit { finish() }

    var isCancelled: Bool { cancellation.isCancelled }

    func prepare(handle: UnsafeMutableRawPointer, request: S3Request, sink: (any DownloadSink)?) throws(ObjectStoreError) {
        self.handle = handle
        self.sink = sink
        switch request.body {
        case .none: upload = .none
        case .bytes(let bytes): upload = .bytes(bytes, position: 0)
        case .file(let path, let offset, let length):
            self.path = path
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ObjectStoreError.posix("cannot open \(path)") }
            upload = .file(descriptor: descriptor, offset: offset, length: length, position: 0)
        }
    }

    /// Closes the upload file. Safe to call more than once.
    func finish() {
        if case .file(let descriptor, _, _, _) = upload, descriptor >= 0 { close(descriptor) }
        upload = .none
    }

    private func moved(_ count: Int64) {
        bytesMoved += count
        onBytes?(count)
    }

    // MARK: Callbacks (each returns what curl's documentation asks for)

    static let write: curl_write_callback = { data, size, count, context in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard let data, length > 0 else { return 0 }
        return transfer.received(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
    }

    private func received(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if isCancelled { return false }
        if writesToSink == nil {
            var status = 0
            if let handle { _ = CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) }
            writesToSink = sink != nil && (200..<300).contains(status)
            if writesToSink == true, let size = headers["content-length"].flatMap({ Int64($0) }) { onDownloadSize?(size) }
            if writesToSink == true, let sink {
                do {
                    try sink.start(status: status, headers: headers)
                } catch {
                    failure = error
                    return false
                }
            }
        }
        if writesToSink == true, let sink {
            do {
                try sink.write(bytes)
            } catch let error as FileSystemError {
                failure = ObjectStoreError(error)
                return false
            } catch {
                failure = error
                return false
            }
            moved(Int64(bytes.count))
        } else if body.count < Self.memoryBodyLimit {
            body.append(contentsOf: bytes.prefix(Self.memoryBodyLimit - body.count))
        }
        return true
    }

    static let header: curl_write_callback = { data, size, count, context in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard let data else { return 0 }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        transfer.headerLine(line)
        return length
    }

    private func headerLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            // A new status line (after `100 Continue`): only the final answer's headers count.
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
    }

    static let read: curl_read_callback = { buffer, size, count, context in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        guard let buffer else { return CCurl_READFUNC_ABORT }
        return transfer.fill(UnsafeMutableRawBufferPointer(start: buffer, count: size * count)) ?? CCurl_READFUNC_ABORT
    }

    private func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if isCancelled { return nil }
        switch upload {
        case .none:
            return 0
        case .bytes(let bytes, let position):
            let count = min(buffer.count, bytes.count - position)
            bytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<position + count]))
            }
            upload = .bytes(bytes, position: position + count)
            moved(Int64(count))
            return count
        case .file(let descriptor, let offset, let length, let position):
            let wanted = Int(min(Int64(buffer.count), length - position))
            guard wanted > 0 else { return 0 }
            var count: Int
            repeat {
                count = pread(descriptor, buffer.baseAddress, wanted, off_t(offset + position))
            } while count < 0 && errno == EINTR
            if count < 0 {
                failure = ObjectStoreError.posix("cannot read \(path)")
                return nil
            }
            if count == 0 {
                failure = ObjectStoreError(code: .io, message: "\(path) became shorter while it was being uploaded")
                return nil
            }
            upload = .file(descriptor: descriptor, offset: offset, length: length, position: position + Int64(count))
            moved(Int64(count))
            return count
        }
    }

    /// curl rewinds the body when it must send it again (a reused connection that turned out closed).
    static let seek: curl_seek_callback = { context, offset, origin in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        guard origin == SEEK_SET else { return CCurl_SEEKFUNC_FAIL }
        return transfer.rewind(to: Int64(offset)) ? CCurl_SEEKFUNC_OK : CCurl_SEEKFUNC_FAIL
    }

    private func rewind(to target: Int64) -> Bool {
        switch upload {
        case .none:
            return target == 0
        case .bytes(let bytes, let position):
            guard target <= bytes.count else { return false }
            upload = .bytes(bytes, position: Int(target))
            moved(target - Int64(position))
        case .file(let descriptor, let offset, let length, let position):
            guard target <= length else { return false }
            upload = .file(descriptor: descriptor, offset: offset, length: length, position: target)
            moved(target - position)
        }
        return true
    }

    /// Called by curl at least once a second: returning non-zero aborts a cancelled transfer.
    static let progress: curl_xferinfo_callback = { context, _, _, _, _ in
        Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().isCancelled ? 1 : 0
    }
}

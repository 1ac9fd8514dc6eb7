internal import CCurl
import FileSystem
import Foundation
import Synchronization
import Units

/// One libcurl easy handle, kept between requests so that its connections stay open (keep-alive).
///
/// Invariant: one user at a time. ``CurlHandlePool`` lends a handle to one request, whose ``perform(_:configuration:sink:transfer:)``
/// runs on one blocking-pool thread, and takes it back afterwards. `deinit` frees the handle and closes its connections.
final class CurlHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    /// curl writes its last error message here (`CURLOPT_ERRORBUFFER`).
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// `curl_global_init` is not thread-safe: it runs once, before the first handle, through a lazy static.
    private static let globalInitialisation: Bool = curl_global_init(CCurl_GLOBAL_DEFAULT) == CURLE_OK

    init() throws(ObjectStoreError) {
        guard Self.globalInitialisation, let handle = curl_easy_init() else {
            throw ObjectStoreError(code: .transport, message: "libcurl could not create a handle")
        }
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends one request and returns whatever status S3 answered. Blocking.
    ///
    /// - Parameters:
    ///   - sink: receives the body of a 2xx answer (a download); other bodies are kept in memory.
    ///   - transfer: counts bytes and carries cancellation; one per attempt.
    /// - Throws: ``ObjectStoreError`` `.transport` for failures worth retrying (connection refused or lost,
    ///   timeouts), `.configuration` for ones that are not (a malformed URL, a TLS certificate that does not verify),
    ///   the sink's own error, or `CancellationError`.
    func perform(_ request: S3Request, configuration: S3Configuration, sink: (any DownloadSink)?, transfer: CurlTransfer) throws -> S3Response {
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        try transfer.prepare(handle: handle, request: request, sink: sink)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in Self.headers(for: request, configuration: configuration) {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        try withExtendedLifetime(transfer) {
            let context = Unmanaged.passUnretained(transfer).toOpaque()
            try set(CURLOPT_URL, request.url(configuration))
            try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
            try set(CURLOPT_NOSIGNAL, 1)
            try set(CURLOPT_PROTOCOLS_STR, "http,https")
            try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
            try set(CURLOPT_PATH_AS_IS, 1)
            try set(CURLOPT_TCP_KEEPALIVE, 1)
            try set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.inMilliseconds))
            try set(CURLOPT_LOW_SPEED_LIMIT, 1)
            try set(CURLOPT_LOW_SPEED_TIME, max(1, Int(configuration.stallTimeout.inMilliseconds / 1000)))
            if let key = configuration.accessKeyID, let secret = configuration.secretAccessKey {
                try set(CURLOPT_AWS_SIGV4, configuration.signingProvider)
                try set(CURLOPT_USERNAME, key)
                try set(CURLOPT_PASSWORD, secret)
            }
            try check(CCurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
            switch request.method {
            case "GET": try set(CURLOPT_HTTPGET, 1)
            case "HEAD": try set(CURLOPT_NOBODY, 1)
            case "PUT":
                try set(CURLOPT_UPLOAD, 1)
                try check(CCurl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.bodyLength)))
            case "POST":
                try set(CURLOPT_POST, 1)
                try check(CCurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.bodyLength)))
            default: try set(CURLOPT_CUSTOMREQUEST, request.method)
            }
            try check(CCurl_setopt_write_callback(handle, CurlTransfer.write))
            try set(CURLOPT_WRITEDATA, pointer: context)
            try check(CCurl_setopt_header_callback(handle, CurlTransfer.header))
            try set(CURLOPT_HEADERDATA, pointer: context)
            try check(CCurl_setopt_read_callback(handle, CurlTransfer.read))
            try set(CURLOPT_READDATA, pointer: context)
            try check(CCurl_setopt_seek_callback(handle, CurlTransfer.seek))
            try set(CURLOPT_SEEKDATA, pointer: context)
            try check(CCurl_setopt_xferinfo_callback(handle, CurlTransfer.progress))
            try set(CURLOPT_XFERINFODATA, pointer: context)
            try set(CURLOPT_NOPROGRESS, 0)

            let result = curl_easy_perform(handle)
            transfer.finish()
            if let failure = transfer.failure { throw failure }
            if transfer.isCancelled { throw CancellationError() }
            guard result == CURLE_OK else { throw transportError(result, request: request) }
        }
        var status = 0
        _ = CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return S3Response(status: status, headers: transfer.headers, body: transfer.body)
    }

    /// Everything curl should send and sign besides `host` and `x-amz-date`, which it adds itself.
    ///
    /// `x-amz-content-sha256` is ours to send: curl 7.88 sends none (S3 then refuses the request) and, without it,
    /// signs the hash of an empty payload even for uploads. No header-removal entry (`Expect:`) may appear here,
    /// since curl would sign a header it does not send.
    static func headers(for request: S3Request, configuration: S3Configuration) -> [(String, String)] {
        var headers = request.headers
        headers.append(("x-amz-content-sha256", request.payloadSHA256))
        if let token = configuration.sessionToken, configuration.accessKeyID != nil {
            headers.append(("x-amz-security-token", token))
        }
        return headers
    }

    // MARK: Errors

    /// The one place a `CURLcode` becomes an ``ObjectStoreError``.
    private func transportError(_ result: CURLcode, request: S3Request) -> ObjectStoreError {
        let detail = String(cString: errorBuffer)
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
        let location = "s3://\(request.bucket)" + (request.key.map { "/" + $0 } ?? "")
        let message = "\(request.operation) \(location): \(text) (curl error \(result.rawValue))"
        return ObjectStoreError(code: Self.isTransient(result) ? .transport : .configuration, message: message)
    }

    /// Failures of the network or the server that another attempt may not meet.
    static func isTransient(_ result: CURLcode) -> Bool {
        let transient: [CURLcode] = [
            CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_WEIRD_SERVER_REPLY,
            CURLE_HTTP2, CURLE_PARTIAL_FILE, CURLE_OPERATION_TIMEDOUT, CURLE_SSL_CONNECT_ERROR, CURLE_GOT_NOTHING,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_SEND_FAIL_REWIND, CURLE_HTTP2_STREAM, CURLE_AGAIN,
        ]
        return transient.contains(result)
    }

    private func check(_ result: CURLcode) throws(ObjectStoreError) {
        guard result == CURLE_OK else {
            throw ObjectStoreError(code: .configuration, message: "libcurl refused an option: \(String(cString: curl_easy_strerror(result)))")
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(ObjectStoreError) {
        try check(CCurl_setopt_long(handle, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws(ObjectStoreError) {
        try check(CCurl_setopt_string(handle, option, value))
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer) throws(ObjectStoreError) {
        try check(CCurl_setopt_pointer(handle, option, pointer))
    }
}

/// Idle handles, so that consecutive requests reuse their connections.
final class CurlHandlePool: Sendable {
    private let idle = Mutex<[CurlHandle]>([])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func borrow() throws(ObjectStoreError) -> CurlHandle {
        if let handle = idle.withLock({ $0.popLast() }) { return handle }
        return try CurlHandle()
    }

    /// Keeps the handle for the next request; beyond `capacity` it is freed, closing its connections.
    func giveBack(_ handle: CurlHandle) {
        idle.withLock { handles in
            if handles.count < capacity { handles.append(handle) }
        }
    }
}

import Foundation

/// One S3 API call as it will be sent; curl signs it (SigV4) on the way out.
///
/// The URL is built here, already in the canonical form SigV4 needs, because curl 7.88 signs the path and the query
/// exactly as given: query parameters sorted, every name and value percent-encoded except unreserved characters, and a
/// parameter without value written `uploads=` (not `uploads`).
struct S3Request: Sendable {
    enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// `length` bytes of the file from `offset`, read while sending, so large bodies never sit in memory.
        case file(path: String, offset: Int64, length: Int64)
    }

    /// What S3 calls the operation (`PutObject`, `UploadPart`), for messages and logs.
    var operation: String
    var method: String
    var bucket: String
    /// Nil for bucket-level calls (ListObjectsV2, HeadBucket).
    var key: String?
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: Body = .none
    /// Hex sha256 of the body, sent as `x-amz-content-sha256`, which S3 checks and the signature covers.
    var payloadSHA256 = S3Request.emptySHA256

    /// sha256 of nothing: the payload hash of GET, HEAD, DELETE and empty POSTs.
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    var bodyLength: Int64 {
        switch body {
        case .none: 0
        case .bytes(let bytes): Int64(bytes.count)
        case .file(_, _, let length): length
        }
    }

    /// The full URL, path-style or virtual-hosted as the configuration and the bucket name allow.
    func url(_ configuration: S3Configuration) -> String {
        let base = configuration.baseURL
        let scheme = base.scheme ?? "https"
        var host = base.host ?? ""
        if host.contains(":") { host = "[\(host)]" }
        let port = base.port.map { ":\($0)" } ?? ""
        var path = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        if Self.usesVirtualHost(bucket: bucket, configuration: configuration) {
            host = bucket + "." + host
        } else {
            path += "/" + Self.percentEncode(bucket, keepingSlashes: false)
        }
        if let key {
            path += "/" + Self.percentEncode(key, keepingSlashes: true)
        } else if path.isEmpty {
            path = "/"
        }
        return scheme + "://" + host + port + path + canonicalQuery
    }

    /// `?a=1&b=2`, sorted by encoded name then value; empty without parameters.
    var canonicalQuery: String {
        guard !query.isEmpty else { return "" }
        let encoded = query.map { (Self.percentEncode($0.name, keepingSlashes: false), Self.percentEncode($0.value, keepingSlashes: false)) }
        let sorted = encoded.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        return "?" + sorted.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Virtual-hosted addressing (`bucket.host/key`) unless path style is forced, the endpoint is an address or
    /// `localhost`, or the bucket name cannot be a host label (dots break TLS wildcard certificates).
    static func usesVirtualHost(bucket: String, configuration: S3Configuration) -> Bool {
        if configuration.forcePathStyle { return false }
        let host = configuration.baseURL.host ?? ""
        if host == "localhost" || isIPAddress(host) { return false }
        let allowed = bucket.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        return allowed && (3...63).contains(bucket.utf8.count) && bucket.first != "-" && bucket.last != "-"
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }

    /// SigV4's URI encoding: every byte of the UTF-8 form except `A-Z a-z 0-9 - . _ ~` (and `/` in key paths) as `%XX`.
    static func percentEncode(_ text: String, keepingSlashes: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let unreserved =
                (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || (keepingSlashes && byte == 0x2F)
            if unreserved {
                output.append(byte)
            } else {
                output.append(0x25)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

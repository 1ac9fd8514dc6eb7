import Foundation

/// What S3 answered: any HTTP status. Transport failures never get this far; they are thrown by ``CurlHandle``.
struct S3Response: Sendable {
    var status: Int
    /// Header names in lower case; the last value wins.
    var headers: [String: String]
    /// The body, unless it was written to a file.
    var body: [UInt8]

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The parsed body, when it is XML.
    var xml: S3XMLElement? { S3XMLElement.parse(body) }

    /// The `<Error>` S3 sent, if any, whatever the status (CompleteMultipartUpload reports errors under 200).
    var s3Error: (code: String, message: String?)? { xml?.errorCodeAndMessage }

    /// Whether trying again may help: server errors, throttling, and S3's own transient codes.
    func isTransientFailure() -> Bool {
        if [500, 502, 503, 504, 429].contains(status) { return true }
        guard let code = s3Error?.code else { return false }
        // ConditionalRequestConflict (409): another conditional write to the key was in flight; AWS asks to retry.
        return ["InternalError", "SlowDown", "ServiceUnavailable", "RequestTimeout", "ConditionalRequestConflict"].contains(code)
    }

    /// The one place an S3 answer becomes an ``ObjectStoreError``, carrying S3's code, message and the HTTP status.
    func error(for request: S3Request) -> ObjectStoreError {
        let s3Error = self.s3Error
        let location = "s3://\(request.bucket)" + (request.key.map { "/" + $0 } ?? "")
        let detail = s3Error?.message.map { ": \($0)" } ?? ""
        let code: ObjectStoreError.Code
        var message: String
        switch (status, s3Error?.code) {
        case (_, "NoSuchBucket"):
            code = .noSuchBucket
            message = "bucket \(request.bucket) does not exist" + detail
        case (404, nil) where request.key == nil:
            code = .noSuchBucket
            message = "bucket \(request.bucket) does not exist" + detail
        case (_, "NoSuchKey"), (404, nil):
            code = .notFound
            message = "no object at \(location)" + detail
        case (_, "SignatureDoesNotMatch"):
            code = .accessDenied
            message = "\(request.operation) \(location) was refused" + detail + " (check AWS_SECRET_ACCESS_KEY)"
        case (_, "InvalidAccessKeyId"):
            code = .accessDenied
            message = "\(request.operation) \(location) was refused" + detail + " (check AWS_ACCESS_KEY_ID)"
        case (_, "AuthorizationHeaderMalformed"), (301, _), (307, _):
            code = .configuration
            let region = headers["x-amz-bucket-region"].map { " (the bucket is in \($0))" } ?? ""
            message = "\(request.operation) \(location) went to the wrong endpoint or region\(region)" + detail + "; check S3_REGION and S3_ENDPOINT"
        case (403, _), (_, "AccessDenied"), (_, "InvalidToken"), (_, "ExpiredToken"):
            code = .accessDenied
            message = "\(request.operation) \(location) was refused" + detail
        case (500..<600, _), (429, _):
            code = .transport
            message = "\(request.operation) \(location) failed on the server" + detail
        default:
            code = isTransientFailure() ? .transport : .server
            message = "\(request.operation) \(location) failed" + detail
        }
        return ObjectStoreError(code: code, message: message, s3Code: s3Error?.code, httpStatus: status)
    }
}

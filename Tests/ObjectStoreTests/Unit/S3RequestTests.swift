import Foundation
import Testing

@testable import ObjectStore

/// The parts of S3Store that need no server: URLs in SigV4's canonical form, part sizes, backoff, error mapping.
@Suite("S3 requests, part sizes, retries and errors, without a server")
struct S3RequestTests {
    func request(_ key: String?, bucket: String = "backups", query: [(String, String)] = []) -> S3Request {
        var request = S3Request(operation: "Test", method: "GET", bucket: bucket, key: key)
        request.query = query.map { (name: $0.0, value: $0.1) }
        return request
    }

    @Test("AWS: virtual-hosted by region; path style when forced or when the bucket name has dots")
    func awsAddressing() {
        let aws = S3Configuration(region: "eu-west-1")
        #expect(request("a/b.tar.gz").url(aws) == "https://backups.s3.eu-west-1.amazonaws.com/a/b.tar.gz")
        #expect(request(nil).url(aws) == "https://backups.s3.eu-west-1.amazonaws.com/")
        #expect(request("k", bucket: "my.bucket").url(aws) == "https://s3.eu-west-1.amazonaws.com/my.bucket/k")
        var forced = aws
        forced.forcePathStyle = true
        #expect(request("k").url(forced) == "https://s3.eu-west-1.amazonaws.com/backups/k")
        #expect(request("k").url(S3Configuration(region: "cn-north-1")) == "https://backups.s3.cn-north-1.amazonaws.com.cn/k")
    }

    @Test("other endpoints: path style for addresses and localhost, the endpoint's own path kept")
    func endpointAddressing() {
        let local = S3Configuration(endpoint: URL(string: "http://127.0.0.1:9000"))
        #expect(request("k").url(local) == "http://127.0.0.1:9000/backups/k")
        #expect(request(nil).url(local) == "http://127.0.0.1:9000/backups")
        #expect(request("k").url(S3Configuration(endpoint: URL(string: "http://localhost:9000/"))) == "http://localhost:9000/backups/k")
        #expect(request("k").url(S3Configuration(endpoint: URL(string: "http://[::1]:9000"))) == "http://[::1]:9000/backups/k")
        let minio = S3Configuration(endpoint: URL(string: "https://minio.example.com/s3/"))
        #expect(request("k").url(minio) == "https://backups.minio.example.com/s3/k")
        var pathStyle = minio
        pathStyle.forcePathStyle = true
        #expect(request("k").url(pathStyle) == "https://minio.example.com/s3/backups/k")
    }

    @Test("keys and query values are percent-encoded as SigV4 canonicalises them, the query sorted, empty values written name=")
    func canonicalForm() {
        let local = S3Configuration(endpoint: URL(string: "http://127.0.0.1:9000"))
        #expect(request("2026 11/x:y+z(1)~_-.ä").url(local) == "http://127.0.0.1:9000/backups/2026%2011/x%3Ay%2Bz%281%29~_-.%C3%A4")
        let list = request(nil, query: [("prefix", "a/b c"), ("list-type", "2"), ("continuation-token", "1/x+y=")])
        #expect(list.url(local) == "http://127.0.0.1:9000/backups?continuation-token=1%2Fx%2By%3D&list-type=2&prefix=a%2Fb%20c")
        #expect(request("k", query: [("uploads", "")]).canonicalQuery == "?uploads=")
        #expect(request("k", query: [("uploadId", "b"), ("partNumber", "10")]).canonicalQuery == "?partNumber=10&uploadId=b")
    }

    @Test("curl gets the full provider string and every header it must sign")
    func signing() {
        var configuration = S3Configuration(region: "eu-central-1", accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOKEN")
        #expect(configuration.signingProvider == "aws:amz:eu-central-1:s3")
        var put = request("k")
        put.payloadSHA256 = String(repeating: "a", count: 64)
        put.headers = [("Content-MD5", "x")]
        let headers = CurlHandle.headers(for: put, configuration: configuration).map { "\($0.0): \($0.1)" }
        #expect(headers == ["Content-MD5: x", "x-amz-content-sha256: \(String(repeating: "a", count: 64))", "x-amz-security-token: TOKEN"])
        #expect(!headers.contains { $0.hasSuffix(":") }, "no header-removal entries")
        configuration.accessKeyID = nil
        let anonymous = CurlHandle.headers(for: request("k"), configuration: configuration)
        #expect(anonymous.map(\.0) == ["x-amz-content-sha256"])
        #expect(anonymous.first?.1 == S3Request.emptySHA256)
    }

    @Test("part sizes: at least 5 MiB, raised to keep at most 10,000 parts; multipart only from the threshold")
    func partSizes() {
        var configuration = S3Configuration()
        #expect(configuration.partSize(forObjectOfSize: 100 << 20) == 16 << 20)
        configuration.partSize = 1 << 20
        #expect(configuration.partSize(forObjectOfSize: 100 << 20) == 5 << 20)
        let terabyte: Int64 = 1 << 40
        let part = configuration.partSize(forObjectOfSize: terabyte)
        #expect(part == 105 << 20)
        #expect((terabyte + part - 1) / part <= 10_000)
        #expect(!configuration.usesMultipart(forObjectOfSize: (64 << 20) - 1))
        #expect(configuration.usesMultipart(forObjectOfSize: 64 << 20))
        configuration.multipartThreshold = 0
        #expect(!configuration.usesMultipart(forObjectOfSize: 0))
    }

    @Test("backoff doubles from the base delay, keeps at least half of it, and stops growing at 20 s")
    func backoff() {
        for attempt in 1...8 {
            let ceiling = min(Duration.milliseconds(200) * (1 << (attempt - 1)), .seconds(20))
            for _ in 0..<50 {
                let delay = S3Store.backoff(attempt: attempt, base: .milliseconds(200))
                #expect(delay >= ceiling / 2 && delay <= ceiling)
            }
        }
        #expect(S3Store.backoff(attempt: 40, base: .seconds(1)) <= .seconds(20))
    }

    @Test("S3 answers become errors with S3's code; 5xx, 429 and S3's transient codes are retried")
    func errorMapping() {
        func response(_ status: Int, _ code: String?) -> S3Response {
            let body = code.map { "<?xml version=\"1.0\"?><Error><Code>\($0)</Code><Message>said \($0)</Message></Error>" } ?? ""
            return S3Response(status: status, headers: [:], body: Array(body.utf8))
        }
        let get = request("k")
        let cases: [(Int, String?, ObjectStoreError.Code, Bool)] = [
            (404, "NoSuchKey", .notFound, false), (404, "NoSuchBucket", .noSuchBucket, false), (404, nil, .notFound, false),
            (403, "AccessDenied", .accessDenied, false), (403, "SignatureDoesNotMatch", .accessDenied, false), (403, nil, .accessDenied, false),
            (400, "AuthorizationHeaderMalformed", .configuration, false), (301, "PermanentRedirect", .configuration, false),
            (503, "SlowDown", .transport, true), (500, "InternalError", .transport, true), (429, nil, .transport, true),
            (400, "RequestTimeout", .transport, true), (200, "InternalError", .transport, true), (400, "InvalidPart", .server, false),
        ]
        for (status, code, expected, transient) in cases {
            let answer = response(status, code)
            let error = answer.error(for: get)
            #expect(error.code == expected, "\(status) \(code ?? "-")")
            #expect(error.s3Code == code)
            #expect(error.httpStatus == status)
            #expect(answer.isTransientFailure() == transient, "\(status) \(code ?? "-")")
            if let code { #expect(error.message.contains("said \(code)")) }
        }
        #expect(response(404, nil).error(for: request(nil)).code == .noSuchBucket)
    }

    @Test("S3 XML: a listing with entities and CDATA, and an error hidden in a 200 answer")
    func xml() throws {
        let listing = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated>\
            <Contents><Key>a &amp; b&lt;1&gt;</Key><Size>12</Size></Contents><Contents><Key><![CDATA[c]]></Key></Contents>\
            <NextContinuationToken>t/1=</NextContinuationToken></ListBucketResult>
            """
        let root = try #require(S3XMLElement.parse(Array(listing.utf8)))
        #expect(root.name == "ListBucketResult")
        #expect(root.children("Contents").compactMap { $0["Key"] } == ["a & b<1>", "c"])
        #expect(root["NextContinuationToken"] == "t/1=")
        #expect(S3XMLElement.parse(Array("not xml".utf8)) == nil)
        let hidden = S3Response(status: 200, headers: [:], body: Array("<Error><Code>InternalError</Code></Error>".utf8))
        #expect(hidden.s3Error?.code == "InternalError")
        #expect(S3XMLElement.escape("\"a\"&<b>") == "&quot;a&quot;&amp;&lt;b&gt;")
    }
}

import Foundation
import ObjectStore
import Testing

/// Objects travel between S3Store and the reference clients (boto3 and the aws CLI) in both directions.
@Suite("S3Store and boto3 / the aws CLI read each other's objects")
struct S3InteropTests {
    static let botoUpload = """
        import sys, boto3
        from boto3.s3.transfer import TransferConfig
        s3 = boto3.client("s3", endpoint_url=sys.argv[1])
        s3.upload_file(sys.argv[2], sys.argv[3], sys.argv[4], Config=TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20))
        print(s3.head_object(Bucket=sys.argv[3], Key=sys.argv[4])["ETag"])
        """

    static let botoDownload = """
        import sys, boto3
        s3 = boto3.client("s3", endpoint_url=sys.argv[1])
        s3.download_file(sys.argv[2], sys.argv[3], sys.argv[4])
        print(s3.head_object(Bucket=sys.argv[2], Key=sys.argv[3]).get("Metadata", {}).get("sha256", ""))
        """

    @Test("objects boto3 and the aws CLI wrote, in one piece or in parts, are read with equal sha256", arguments: [3 << 20, 20 << 20])
    func theirsReadByUs(size: Int) async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let source = try await folder.file("source", size: size)
        let expected = try await S3Fixture.sha256(source)
        let etag = try await S3Fixture.boto3(Self.botoUpload, [source, bucket, "from boto3/object.bin"])
        #expect(etag.contains("-") == (size > 8 << 20), "boto3 used multipart above its threshold: \(etag)")
        try await S3Fixture.aws(["s3", "cp", source, "s3://\(bucket)/from-cli/object.bin"])

        let store = try S3Fixture.store(bucket)
        for key in ["from boto3/object.bin", "from-cli/object.bin"] {
            let copy = folder.path + "/copy"
            let info = try await store.get(key: key, to: copy, progress: nil)
            #expect(info.sha256 == expected, "\(key)")
            #expect(info.size == Int64(size))
            #expect(try await S3Fixture.sha256(copy) == expected, "\(key)")
            // Neither client records x-amz-meta-sha256: there is nothing to verify against, and head says so.
            #expect(try await store.head(key: key)?.sha256 == nil)
        }
        #expect(try await store.list(prefix: "").map(\.key) == ["from boto3/object.bin", "from-cli/object.bin"])
    }

    @Test("objects we wrote, in one piece or in parts, are read by boto3 and the aws CLI with equal sha256", arguments: [1 << 20, 12 << 20])
    func oursReadByThem(size: Int) async throws {
        let bucket = try await S3Fixture.makeBucket()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let source = try await folder.file("source", size: size)
        let expected = try await S3Fixture.sha256(source)
        let store = try S3Fixture.store(bucket, prefix: "ours") {
            $0.multipartThreshold = 5 << 20
            $0.partSize = 5 << 20
        }
        try await store.put(file: source, key: "a b/object+1.bin", progress: nil)

        let viaBoto = folder.path + "/boto3"
        let metadata = try await S3Fixture.boto3(Self.botoDownload, [bucket, "ours/a b/object+1.bin", viaBoto])
        #expect(metadata.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
        #expect(try await S3Fixture.sha256(viaBoto) == expected)

        let viaCLI = folder.path + "/cli"
        try await S3Fixture.aws(["s3", "cp", "s3://\(bucket)/ours/a b/object+1.bin", viaCLI])
        #expect(try await S3Fixture.sha256(viaCLI) == expected)
        let listing = try await S3Fixture.aws(["s3", "ls", "s3://\(bucket)/ours/a b/"])
        #expect(listing.contains("object+1.bin"))
    }
}

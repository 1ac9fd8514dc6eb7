import Foundation
import ObjectStore
import Testing

@Suite("ObjectLocation parses paths, file:// and s3:// URLs")
struct ObjectLocationTests {
    let s3 = S3Configuration(endpoint: URL(string: "http://127.0.0.1:9000"), accessKeyID: "key", secretAccessKey: "secret")

    func parse(_ text: String) throws(ObjectStoreError) -> ObjectLocation {
        try ObjectLocation.parse(text, s3: s3, workingDirectory: "/srv/nomaly")
    }

    @Test("a local file is a FileStore rooted at its folder, with the file name as key")
    func localFiles() throws {
        let cases: [(String, String, String)] = [
            ("/var/backups/database.dump", "/var/backups", "database.dump"),
            ("data/scores.csv", "/srv/nomaly/data", "scores.csv"),
            ("./a/../b/x.bin", "/srv/nomaly/b", "x.bin"),
            ("file:///var/backups/a%20b.dump", "/var/backups", "a b.dump"),
            ("file://localhost/tmp/x", "/tmp", "x"),
            ("/x", "/", "x"),
        ]
        for (text, root, key) in cases {
            let location = try parse(text)
            let store = try #require(location.store as? FileStore, "\(text)")
            #expect(store.root == root, "\(text)")
            #expect(location.key == key, "\(text)")
            #expect(location.localPath == (root == "/" ? "/" : root + "/") + key)
        }
    }

    @Test("s3://bucket/key is an S3Store for the bucket, the rest being the key taken literally")
    func s3Objects() throws {
        let location = try parse("s3://backups/nomaly/2026 11/db%20.dump")
        let store = try #require(location.store as? S3Store)
        #expect(store.bucket == "backups")
        #expect(store.prefix == "")
        #expect(store.configuration.endpoint == s3.endpoint)
        #expect(location.key == "nomaly/2026 11/db%20.dump")
        #expect(location.localPath == nil)
        #expect(location.description == "s3://backups/nomaly/2026 11/db%20.dump")
    }

    @Test("unusable names are refused with invalidLocation, naming the problem")
    func badNames() {
        let cases: [(String, String)] = [
            ("s3://", "no bucket"), ("s3:///key", "no bucket"), ("s3://bucket", "not an object"), ("s3://bucket/", "not an object"),
            ("s3://b/key", "not a bucket name"), ("s3://bad_bucket!/k", "not a bucket name"), ("s3://-bucket/k", "not a bucket name"),
            ("s3://bucket/a/../b", "not a valid object key"), ("s3://bucket//a", "not a valid object key"),
            ("http://example.com/x", "not supported"), ("ftp://example.com/x", "not supported"), ("", "not a path"),
            ("/", "folder"), ("data/", "folder"), ("file://otherhost/x", "not a local file URL"),
        ]
        for (text, reason) in cases {
            #expect {
                try parse(text)
            } throws: { error in
                guard let error = error as? ObjectStoreError else { return false }
                return error.code == .invalidLocation && error.message.contains(reason)
            }
        }
    }

    @Test("s3:// URLs need S3 settings")
    func s3WithoutSettings() {
        let error = #expect(throws: ObjectStoreError.self) { try ObjectLocation.parse("s3://bucket/key", s3: nil) }
        #expect(error?.code == .configuration)
        #expect((try? ObjectLocation.parse("/tmp/x", s3: nil)) != nil)
    }

    @Test("prefixes: the bucket root, a folder, a partial name; local folders are stores of their own")
    func prefixes() throws {
        let cases: [(String, String)] = [
            ("s3://bucket", ""), ("s3://bucket/", ""), ("s3://bucket/logs/", "logs/"), ("s3://bucket/logs/2026-", "logs/2026-"),
        ]
        for (text, prefix) in cases {
            let location = try ObjectLocation.parsePrefix(text, s3: s3)
            #expect((location.store as? S3Store)?.bucket == "bucket")
            #expect(location.key == prefix, "\(text)")
        }
        let folder = try ObjectLocation.parsePrefix("exports/", s3: nil, workingDirectory: "/srv")
        #expect((folder.store as? FileStore)?.root == "/srv/exports")
        #expect(folder.key == "")
        #expect(folder.localPath == "/srv/exports")
        for bad in ["s3://bucket/a/../", "s3://bucket//", "s3://x/"] {
            let error = #expect(throws: ObjectStoreError.self) { try ObjectLocation.parsePrefix(bad, s3: s3) }
            #expect(error?.code == .invalidLocation, "\(bad)")
        }
    }
}

import App
import Foundation
import ObjectStore
import Synchronization
import TestSupport
import Testing

/// `ObjectOperations`, which `nomaly s3` asks, between local folders and the moto S3 server `scripts/test` starts.
@Suite("Object operations")
struct ObjectOperationsTests {
    /// Records what a copy reports, as nomaly's progress bar would print it.
    final class Lines: CopyObserver {
        let verb: String
        let expectedTotal: Int64?
        private let lines = Mutex<[String]>([])

        init(verb: String, expectedTotal: Int64?) {
            self.verb = verb
            self.expectedTotal = expectedTotal
        }

        var all: [String] { lines.withLock { $0 } }

        func progress(transfer: Int) -> TransferProgressHandler? { nil }

        func copied(verb: String, from source: String, to destination: String, bytes: Int64, seconds: Double) {
            lines.withLock { $0.append("\(verb): \(source) → \(destination) \(bytes)") }
        }
    }

    func operations() throws -> ObjectOperations { ObjectOperations(s3: try S3Buckets.configuration()) }

    @Test("one file up, down into a folder (named after the key), listed and removed; a missing object is an error")
    func oneObject() async throws {
        let folder = try TemporaryFolder()
        let source = try folder.file("in/report.csv", "a,b\n1,2\n")
        let bucket = try await S3Buckets.makeStore(name: "cli").bucket
        let objects = try operations()
        var observer: Lines?
        try await objects.copyOne(from: source, to: "s3://\(bucket)/reports/") { verb, total in
            let made = Lines(verb: verb, expectedTotal: total)
            observer = made
            return made
        }
        #expect(observer?.verb == "upload")
        #expect(observer?.all == ["upload: \(source) → s3://\(bucket)/reports/report.csv 8"])
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: true)
        try await objects.copyOne(from: "s3://\(bucket)/reports/report.csv", to: folder.path + "/out") { Lines(verb: $0, expectedTotal: $1) }
        #expect(try folder.read("out/report.csv") == "a,b\n1,2\n")
        #expect(try await objects.list("s3://\(bucket)/rep").map(\.key) == ["reports/report.csv"])
        #expect(try await objects.remove("s3://\(bucket)/reports/report.csv").key == "reports/report.csv")
        await #expect(throws: ObjectStoreError.self) { try await objects.remove("s3://\(bucket)/reports/report.csv") }
    }

    @Test("a tree keeps relative names, reports each file and the total, and `logs` removes logs/ but never logs2/")
    func tree() async throws {
        let folder = try TemporaryFolder()
        _ = try folder.file("logs/a.txt", "one")
        _ = try folder.file("logs/deep/b.txt", "three")
        let bucket = try await S3Buckets.makeStore(name: "cli").bucket
        let objects = try operations()
        #expect(try await objects.copyTree(from: folder.path + "/empty-nothing", to: "s3://\(bucket)/x/") { Lines(verb: $0, expectedTotal: $1) } == 0)
        var observer: Lines?
        let copied = try await objects.copyTree(from: folder.path + "/logs", to: "s3://\(bucket)/logs") { verb, total in
            let made = Lines(verb: verb, expectedTotal: total)
            observer = made
            return made
        }
        #expect(copied == 2)
        #expect(observer?.expectedTotal == 8)
        #expect(observer?.all.count == 3)
        #expect(observer?.all.last?.hasPrefix("upload 2 objects: ") == true)
        _ = try await objects.copyTree(from: folder.path + "/logs", to: "s3://\(bucket)/logs2/") { Lines(verb: $0, expectedTotal: $1) }
        #expect(try await objects.list("s3://\(bucket)/logs/").map(\.key).sorted() == ["logs/a.txt", "logs/deep/b.txt"])
        let deleted = Mutex<[String]>([])
        #expect(try await objects.removeTree("s3://\(bucket)/logs") { location in deleted.withLock { $0.append(location.key) } } == 2)
        #expect(deleted.withLock { $0.sorted() } == ["logs/a.txt", "logs/deep/b.txt"])
        #expect(try await objects.list("s3://\(bucket)").map(\.key).sorted() == ["logs2/a.txt", "logs2/deep/b.txt"])
        #expect(try await objects.removeTree("s3://\(bucket)/logs") { _ in } == 0)
    }
}

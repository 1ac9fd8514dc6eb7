import Foundation
import Scheduler
import Testing

/// A replica's answer to `nomaly jobs reload` travels as a NOTIFY payload, which PostgreSQL refuses at 8000 bytes.
@Suite("JobReloadAnswer as a notification payload")
struct JobReloadAnswerTests {
    @Test("a small answer goes whole, every key present, absent values as null, and reads back equal")
    func roundTrip() throws {
        let answer = JobReloadAnswer(
            request: "r1",
            replica: "host:1:abc",
            outcome: .refused,
            folder: "/etc/nomaly/jobs",
            digest: nil,
            changes: nil,
            problems: ["/etc/nomaly/jobs/a.yaml:2:11: schedule: not a cron expression"]
        )
        let payload = try answer.payload()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["request", "replica", "outcome", "folder", "digest", "counts", "changes", "problems", "problem_count"])
        #expect(object["digest"] is NSNull && object["changes"] is NSNull && object["counts"] is NSNull)
        #expect(try JobReloadAnswer(payload: payload) == answer)
    }

    @Test("an answer too large for a notification sheds names, then problems, and keeps its counts", arguments: [7999, 2000])
    func fits(limit: Int) throws {
        let names = (0..<400).map { "job-\($0)-" + String(repeating: "x", count: 50) }
        let changes = CatalogChanges(added: Array(names[0..<100]), changed: Array(names[100..<200]), unchanged: Array(names[200...]))
        let problems = (0..<50).map { "jobs/\($0).yaml:1:1: " + String(repeating: "é", count: 500) }
        let answer = JobReloadAnswer(
            request: "r2",
            replica: "host:2:def",
            outcome: .applied,
            folder: "/" + String(repeating: "f", count: 1000),
            digest: "d",
            changes: changes,
            problems: problems
        )
        let payload = try answer.payload(limit: limit)
        #expect(payload.utf8.count <= limit)
        let read = try JobReloadAnswer(payload: payload)
        #expect(read.counts == .init(added: 100, changed: 100, removed: 0, unchanged: 200))
        #expect(read.problemCount == 50)
        #expect(read.outcome == .applied && read.digest == "d" && read.request == "r2")
    }

    @Test("the set's digest depends on names and specs, not on the order the files were read")
    func digest() throws {
        func job(_ name: String, _ schedule: String) throws -> JobSpec {
            try JobSpecLoader(kinds: nil).load(
                "kind: command\nschedule: \"\(schedule)\"\nwith: {command: [\"true\"]}\n",
                file: name,
                defaultName: name
            )
        }
        let a = try job("a", "@daily")
        let b = try job("b", "@hourly")
        #expect(JobReload.digest(of: [a, b]) == JobReload.digest(of: [b, a]))
        #expect(JobReload.digest(of: [a, b]) != JobReload.digest(of: [a, try job("b", "@daily")]))
        #expect(JobReload.digest(of: [a]) != JobReload.digest(of: [a, b]))
    }
}

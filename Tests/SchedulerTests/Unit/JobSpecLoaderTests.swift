import Foundation
import Scheduler
import Testing

@Suite("Job files")
struct JobSpecLoaderTests {
    @Test("a full spec reads every key, with defaults for the rest")
    func fullSpec() throws {
        let job = try spec(
            """
            name: job
            kind: recording
            schedule: "30 2 * * *"
            timezone: Europe/Berlin
            with: {sleep: 2s}
            concurrency: replace
            misfire: catch_up
            max_catchup: 4
            starting_deadline: 10m
            timeout: 1h
            retries: {max: 3, initial: 5s, max_delay: 1m}
            jitter: 30s
            history: {keep_succeeded: 7, keep_failed: 8, max_age: 2d}
            env: {MODE: nightly, LEVEL: 3}
            """
        )
        #expect(job.name == "job")
        #expect(job.timeZoneName == "Europe/Berlin")
        #expect(job.concurrency == .replace)
        #expect(job.misfire == .catchUp)
        #expect(job.maxCatchup == 4)
        #expect(job.startingDeadline == .seconds(600))
        #expect(job.timeout == .seconds(3600))
        #expect(job.retries == .init(max: 3, initial: .seconds(5), maxDelay: .seconds(60)))
        #expect(job.jitter == .seconds(30))
        #expect(job.history == .init(keepSucceeded: 7, keepFailed: 8, maxAge: .seconds(172_800)))
        #expect(job.env == ["MODE": "nightly", "LEVEL": "3"])
        let minimal = try spec("kind: recording\nschedule: \"@hourly\"\n")
        #expect(minimal.concurrency == .forbid)
        #expect(minimal.misfire == .runOnce)
        #expect(minimal.retries.max == 0)
        #expect(minimal.timeZoneName == "UTC")
        #expect(minimal.specHash != job.specHash)
        #expect(minimal.specHash == (try spec("kind: recording\nschedule: \"@hourly\"\n")).specHash)
    }

    @Test(
        "mistakes are reported with file, line, column and key",
        arguments: [
            ("kind: recording\nschedul: \"@daily\"\n", "jobs/job.yaml:2:10: schedul: unknown key (did you mean 'schedule'?)"),
            ("kind: recording\nschedule: \"0 24 * * *\"\n", "jobs/job.yaml:2:11: schedule: field 2 (hour): 24 is out of range 0–23"),
            (
                "kind: recording\nschedule: \"@daily\"\ntimeout: soon\n",
                "jobs/job.yaml:3:10: timeout: 'soon' is not a duration such as 30s, 15m or 1h30m"
            ),
            ("kind: nope\nschedule: \"@daily\"\n", "jobs/job.yaml:1:7: kind: unknown kind 'nope'; known kinds: recording"),
            (
                "kind: recording\nschedule: \"@daily\"\ntimezone: Mars/Olympus\n",
                "jobs/job.yaml:3:11: timezone: 'Mars/Olympus' is not an IANA time zone such as Europe/Berlin"
            ),
            (
                "kind: recording\nschedule: \"@daily\"\nwith:\n  slep: 1s\n",
                "jobs/job.yaml:4:9: with.slep: unknown key (did you mean 'sleep'?); known keys: fail, sleep"
            ),
            (
                "kind: recording\nschedule: \"@daily\"\nretries: {max: 2, inital: 1s}\n",
                "jobs/job.yaml:3:27: retries.inital: unknown key (did you mean 'initial'?); known keys: initial, max, max_delay"
            ),
            (
                "kind: recording\nschedule: \"@daily\"\nconcurrency: sometimes\n",
                "jobs/job.yaml:3:14: concurrency: 'sometimes' is not one of forbid, allow, replace"
            ),
            ("name: other\nkind: recording\nschedule: \"@daily\"\n", "jobs/job.yaml:1:7: name: 'other' does not match the file name 'job'"),
            (
                "kind: recording\nschedule: @daily\n",
                "jobs/job.yaml:2:11: not valid YAML: while scanning for the next token found character that cannot start any token (quote values that start with @ or *, e.g. schedule: \"@daily\")"
            ),
            ("- just\n- a list\n", "jobs/job.yaml:1: a job file must be a mapping of keys (name, kind, schedule, …)"),
            ("kind: recording\n", "jobs/job.yaml: schedule: is required"),
        ]
    )
    func mistakes(yaml: String, message: String) {
        let error = #expect(throws: JobSpecLoadError.self) { try spec(yaml) }
        #expect(error?.problems.map(\.description) == [message])
    }

    @Test("every mistake of a file is reported, in the order written, each with its line, column and key")
    func everyMistake() {
        let yaml = """
            kind: recording
            schedule: "0 24 * * *"
            timezone: Mars/Olympus
            concurrency: sometimes
            retries: {max: 200, inital: 1s}
            timout: 1h
            with:
              sleep: soon
              slep: 1s
            env: {A: [1]}
            """
        let error = #expect(throws: JobSpecLoadError.self) { try spec(yaml) }
        #expect(
            error?.problems.map(\.description) == [
                "jobs/job.yaml:2:11: schedule: field 2 (hour): 24 is out of range 0–23",
                "jobs/job.yaml:3:11: timezone: 'Mars/Olympus' is not an IANA time zone such as Europe/Berlin",
                "jobs/job.yaml:4:14: concurrency: 'sometimes' is not one of forbid, allow, replace",
                "jobs/job.yaml:5:16: retries.max: must be an integer in 0…100",
                "jobs/job.yaml:5:29: retries.inital: unknown key (did you mean 'initial'?); known keys: initial, max, max_delay",
                "jobs/job.yaml:6:9: timout: unknown key (did you mean 'timeout'?)",
                "jobs/job.yaml:8:10: with.sleep: 'soon' is not a duration such as 30s, 15m or 1h30m",
                "jobs/job.yaml:9:9: with.slep: unknown key (did you mean 'sleep'?); known keys: fail, sleep",
                "jobs/job.yaml:10:10: env.A: must be a string",
            ]
        )
    }

    @Test(
        "a mistake that follows from another is not reported again",
        arguments: [
            // A misspelt required key is the typo, not also a missing key.
            (
                "kind: recording\nschedul: \"@daily\"\nknd: x\n",
                ["schedul: unknown key (did you mean 'schedule'?)", "knd: unknown key (did you mean 'kind'?)"]
            ),
            // Nothing under a section that is not a mapping.
            ("kind: recording\nschedule: \"@daily\"\nwith: [sleep]\nretries: 3\n", ["with: must be a mapping", "retries: must be a mapping"]),
            // One problem a key: an unknown kind's settings are not judged.
            ("kind: nope\nschedule: \"@daily\"\nwith: {anything: 1}\n", ["kind: unknown kind 'nope'; known kinds: recording"]),
        ]
    )
    func consequences(yaml: String, problems: [String]) {
        let error = #expect(throws: JobSpecLoadError.self) { try spec(yaml) }
        #expect(error?.problems.map { ($0.key.map { "\($0): " } ?? "") + $0.message } == problems)
    }

    @Test("a folder with broken files reports every one and returns none")
    func folder() throws {
        let directory = NSTemporaryDirectory() + "jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "kind: recording\nschedule: \"@daily\"\n".write(toFile: directory + "/good.yaml", atomically: true, encoding: .utf8)
        try "kind: recording\n".write(toFile: directory + "/bad.yaml", atomically: true, encoding: .utf8)
        try "kind: nope\nschedule: \"@daily\"\n".write(toFile: directory + "/worse.yml", atomically: true, encoding: .utf8)
        try "ignored".write(toFile: directory + "/README.md", atomically: true, encoding: .utf8)
        let loader = JobSpecLoader(kinds: JobKindRegistry([RecordingKind(recorder: Recorder())]))
        let error = #expect(throws: JobSpecLoadError.self) { try loader.loadDirectory(directory) }
        #expect(error?.problems.count == 2)
        try FileManager.default.removeItem(atPath: directory + "/bad.yaml")
        try FileManager.default.removeItem(atPath: directory + "/worse.yml")
        #expect(try loader.loadDirectory(directory).map(\.name) == ["good"])
    }
}

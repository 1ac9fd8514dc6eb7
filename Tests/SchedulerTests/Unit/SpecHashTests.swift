import JSONValues
import Scheduler
import Testing

/// `jobs.spec_hash` decides whether a job changed: a hash that moved for an unchanged file would rewrite every job and
/// report it as changed after an upgrade. These values were taken before job files kept integers as integers.
@Suite("Spec hashes")
struct SpecHashTests {
    /// Every kind of value a job file holds: integers (plain, signed, octal-looking, with underscores, hexadecimal),
    /// floats with and without a fraction, durations as numbers and as text, booleans, null, lists, nested mappings.
    static let representative = """
        # a representative job file
        name: nightly
        kind: command
        schedule: "30 2 * * *"
        timezone: Europe/Berlin
        with:
          command: [report, --days, 7]
          workdir: /srv/reports
          limits: {rows: 100, ratio: 0.25, whole: 2.0, big: 9007199254740991, negative: -12, octal: 010, grouped: 1_000, hex: 0x1F}
          exponent: 1e3
          flags: [true, false, null]
        max_catchup: 100
        starting_deadline: 90
        timeout: 1h30m
        jitter: 1.5
        retries: {max: 3, initial: 30s, max_delay: 600}
        history: {keep_succeeded: 100, keep_failed: 0, max_age: 2d}
        env: {LEVEL: 3, RATIO: 0.5, MODE: nightly, VERBOSE: true}
        concurrency: forbid
        misfire: catch_up

        """

    @Test("an unchanged job file keeps the hash it had before integers were kept")
    func representativeFile() throws {
        let job = try JobSpecLoader(kinds: nil).load(Self.representative, file: "jobs/nightly.yaml", defaultName: "nightly")
        #expect(
            job.document.json
                == #"{"concurrency":"forbid","env":{"LEVEL":3,"MODE":"nightly","RATIO":0.5,"VERBOSE":true},"history":{"keep_failed":0,"keep_succeeded":100,"max_age":"2d"},"jitter":1.5,"kind":"command","max_catchup":100,"misfire":"catch_up","name":"nightly","retries":{"initial":"30s","max":3,"max_delay":600},"schedule":"30 2 * * *","starting_deadline":90,"timeout":"1h30m","timezone":"Europe/Berlin","with":{"command":["report","--days",7],"exponent":1000,"flags":[true,false,null],"limits":{"big":9007199254740991,"grouped":1000,"hex":31,"negative":-12,"octal":10,"ratio":0.25,"rows":100,"whole":2},"workdir":"/srv/reports"}}"#
        )
        #expect(job.specHash == "54a7873651b81c172aef5766fc1ac53d9c71910b3c6ce9ac3cfd3f2f2f1a13f0")
    }
}

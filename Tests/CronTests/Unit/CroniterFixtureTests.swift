import Cron
import Foundation
import Testing

/// Fire times from croniter, an independent implementation (Fixtures/generate.py writes the JSON).
///
/// Every case is checked. Where our semantics differ on purpose (a wall-clock slot in a fall-back overlap, a
/// minute wildcard in a spring-forward gap, `31W`), the fixture carries our expected times and the reason,
/// and the test also checks that croniter still differs, so an exclusion cannot outlive its reason.
@Suite("Fire times agree with croniter")
struct CroniterFixtureTests {
    struct Document: Decodable {
        let croniter: String
        let cases: [Case]
    }

    struct Case: Decodable {
        let expression: String
        let timeZone: String
        let start: String
        let croniter: [String]
        /// croniter found no further fire time (e.g. `0 0 30 2 *`): neither may we.
        let exhausted: Bool?
        /// Our expected times where we differ from croniter on purpose, and why.
        let nomaly: [String]?
        let reason: String?

        var label: String { "\(expression) in \(timeZone) after \(start)" }
    }

    static func load() throws -> Document {
        // Fixtures/ sits at the target's root, one folder above this file's Unit/.
        let target = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let path = target.appendingPathComponent("Fixtures/croniter.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Document.self, from: Data(contentsOf: path))
    }

    @Test("every fixture case gives croniter's fire times, or our documented ones")
    func everyCase() throws {
        let document = try Self.load()
        #expect(document.cases.count >= 600)
        for fixture in document.cases {
            let expected = fixture.nomaly ?? fixture.croniter
            let count = expected.count + (fixture.exhausted == true ? 1 : 0)
            do {
                let actual = try Time.fires(fixture.expression, after: fixture.start, in: fixture.timeZone, count: count)
                #expect(actual == expected, "\(fixture.label)")
            } catch {
                Issue.record("\(fixture.label): \(error)")
            }
            if let ours = fixture.nomaly {
                #expect(ours != fixture.croniter, "exclusion no longer needed: \(fixture.label)")
                #expect(!(fixture.reason ?? "").isEmpty, "exclusion without a reason: \(fixture.label)")
            }
        }
    }

    @Test("the fixture covers DST zones, midnight transitions, six fields, L, W and #")
    func coverage() throws {
        let cases = try Self.load().cases
        let zones = Set(cases.map(\.timeZone))
        for zone in ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut", "America/Havana"] {
            #expect(zones.contains(zone), "\(zone)")
        }
        #expect(cases.contains { $0.expression.split(separator: " ").count == 6 })
        for feature in ["L", "W", "#"] { #expect(cases.contains { $0.expression.contains(feature) }, "\(feature)") }
        #expect(cases.filter { $0.nomaly != nil }.allSatisfy { $0.reason != nil })
    }
}

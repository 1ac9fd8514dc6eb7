import Testing

@testable import ObjectStore

/// `s3://bucket/key` is split in one place, byte-wise, for object locations, scoring's confinement and its settings.
@Suite("One splitting of s3:// URLs, byte for byte")
struct S3URLSplittingTests {
    /// A slash followed by a combining mark is one grapheme cluster, so `String` does not see the slash.
    static let combiningAfterSlash = "s3://scores/\u{301}in/day.csv"

    @Test("bucket and key end at the first slash byte, whatever follows it")
    func parts() throws {
        let split = try #require(ObjectLocation.s3Parts(Self.combiningAfterSlash))
        #expect(split.bucket == "scores" && split.key == "\u{301}in/day.csv")
        #expect(ObjectLocation.s3Parts("S3://scores/in")?.key == "in")
        #expect(ObjectLocation.s3Parts("s3://scores")?.key == "")
        #expect(ObjectLocation.s3Parts("/var/s3://x") == nil)
        #expect(ObjectLocation.s3Parts("s3:/x") == nil)
    }

    @Test("a location, the scoring prefixes setting and the scoring check agree on where the key starts")
    func allThreeAgree() throws {
        let location = try ObjectLocation.parse(Self.combiningAfterSlash, s3: S3Configuration())
        let store = try #require(location.store as? S3Store)
        #expect(store.bucket == "scores" && location.key == "\u{301}in/day.csv")

        let prefix = try #require(ScoringSettings.normalisedPrefix("s3://scores/\u{301}in"))
        #expect(prefix == "s3://scores/\u{301}in/")
        let locations = ScoringLocations(s3Prefixes: [prefix], protected: [], scoringDirectory: "/nonexistent")
        #expect(try locations.checkS3(Self.combiningAfterSlash, role: "input") == Self.combiningAfterSlash)
    }

    @Test("the setting keeps refusing what it refused: an uppercase scheme, a bare bucket, dot segments")
    func settingStaysStrict() {
        #expect(ScoringSettings.normalisedPrefix("S3://scores/in/") == nil)
        #expect(ScoringSettings.normalisedPrefix("s3://scores/") == nil)
        #expect(ScoringSettings.normalisedPrefix("s3://scores") == nil)
        #expect(ScoringSettings.normalisedPrefix("s3://scores/in/../x/") == nil)
        #expect(ScoringSettings.normalisedPrefix("s3://scores/in//") == "s3://scores/in/")
    }
}

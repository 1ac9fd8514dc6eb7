import ObjectStore
import Settings
import Testing

@Suite("Scoring settings")
struct ScoringSettingsTests {
    /// The settings as read from `variables`, or every problem they have.
    func settings(_ variables: [String: String]) throws(ConfigurationError) -> ScoringSettings {
        var reader = SettingsReader(Environment(variables))
        let settings = ScoringSettings(reader: &reader)
        guard reader.problems.isEmpty else { throw ConfigurationError(problems: reader.problems) }
        return settings
    }

    @Test("defaults: no S3 prefix at all, 10 GiB inputs, a million rows per request")
    func defaults() throws {
        let scoring = try settings([:])
        #expect(scoring.s3Prefixes.isEmpty)
        #expect(scoring.maxInputBytes == 10 << 30)
        #expect(scoring.maxRows == 1_000_000)
    }

    @Test("prefixes are normalised to one trailing slash, so s3://b/in never covers s3://b/inbox")
    func prefixes() throws {
        let scoring = try settings([
            "NOMALY_SCORING_S3_PREFIXES": "s3://data/scoring/in, s3://data/scoring/out//",
            "NOMALY_SCORING_MAX_INPUT": "2GiB", "NOMALY_SCORING_MAX_ROWS": "5000",
        ])
        #expect(scoring.s3Prefixes == ["s3://data/scoring/in/", "s3://data/scoring/out/"])
        #expect(scoring.maxInputBytes == 2 << 30)
        #expect(scoring.maxRows == 5000)
    }

    @Test(
        "a bare bucket, another scheme, dot segments and bad limits are each reported by name",
        arguments: [
            ("NOMALY_SCORING_S3_PREFIXES", "s3://data"),
            ("NOMALY_SCORING_S3_PREFIXES", "s3://data/"),
            ("NOMALY_SCORING_S3_PREFIXES", "https://data/in/"),
            ("NOMALY_SCORING_S3_PREFIXES", "s3://data/in/../artifacts/"),
            ("NOMALY_SCORING_S3_PREFIXES", "s3:///in/"),
            ("NOMALY_SCORING_MAX_INPUT", "lots"),
            ("NOMALY_SCORING_MAX_ROWS", "0"),
        ]
    )
    func refused(variable: String, value: String) {
        let error = #expect(throws: ConfigurationError.self) { try settings([variable: value]) }
        #expect(error?.problems.map(\.variable) == [variable])
    }
}

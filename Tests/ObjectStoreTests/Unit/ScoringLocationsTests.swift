import Foundation
import ObjectStore
import TestSupport
import Testing

@Suite("ScoringLocations: where scoring runs may read and write")
struct ScoringLocationsTests {
    /// A deployment where scoring may use two prefixes, the artifacts and backups share a bucket with one of them, and
    /// the off-site backups sit below an allowed prefix.
    static let locations = ScoringLocations(
        s3Prefixes: ["s3://data/scoring/", "s3://shared/in/"],
        protected: [
            ProtectedLocation(name: "the artifact store (NOMALY_ARTIFACTS)", place: .s3(bucket: "shared", prefix: "art/")),
            ProtectedLocation(name: "the off-site backups (NOMALY_BACKUP_S3)", place: .s3(bucket: "data", prefix: "scoring/backups/")),
            ProtectedLocation(name: "the whole bucket", place: .s3(bucket: "vault", prefix: "")),
            ProtectedLocation(name: "the backup folder (NOMALY_BACKUP_DIR)", place: .folder("/var/lib/nomaly/backups")),
            ProtectedLocation(name: "the artifact store (NOMALY_ARTIFACTS)", place: .folder("/var/lib/nomaly/scoring/artifacts")),
        ],
        scoringDirectory: "/var/lib/nomaly/scoring"
    )

    @Test(
        "s3:// URLs: allowed below a listed prefix, refused elsewhere, in protected places, and when malformed",
        arguments: [
            // Allowed, the scheme's case normalised.
            ("s3://data/scoring/today.csv", "s3://data/scoring/today.csv"),
            ("S3://data/scoring/2026/12/today.csv.gz", "s3://data/scoring/2026/12/today.csv.gz"),
            ("s3://shared/in/x.csv", "s3://shared/in/x.csv"),
            // Not below a prefix: other buckets, sibling names, the prefix itself, bucket case.
            ("s3://other/scoring/x.csv", "s3_not_allowed"),
            ("s3://data/scoringx/x.csv", "s3_not_allowed"),
            ("s3://data/scoring", "s3_not_allowed"),
            ("s3://DATA/scoring/x.csv", "s3_not_allowed"),
            ("s3://data/Scoring/x.csv", "s3_not_allowed"),
            ("s3://shared/inbox/x.csv", "s3_not_allowed"),
            // An escaped slash or dot that a server might decode counts in both forms.
            ("s3://data/scoring%2F..%2Fart/x", "s3_not_allowed"),
            ("s3://shared/in/%2e%2e/art/x.tar.gz", "s3_not_allowed"),
            // Protected, even below an allowed prefix, in any case and any spelling of the bucket.
            ("s3://data/scoring/backups/20261201_020000/database.dump", "protected_location"),
            ("s3://data/scoring/BACKUPS/x", "protected_location"),
            ("s3://data/scoring/backups", "protected_location"),
            ("s3://Shared/art/sha256/ab/ab.tar.gz", "protected_location"),
            ("s3://shared/art/sha256/ab/ab.tar.gz", "protected_location"),
            ("s3://vault/anything", "protected_location"),
            ("s3://data/scoring/backups%2Fx", "protected_location"),
            // Keys are compared as S3 does, byte by byte: a combining mark after a slash joins the slash into one
            // Swift Character, but the bytes still lie below the protected prefix (and below the allowed one).
            ("s3://data/scoring/backups/\u{301}20261201/database.dump", "protected_location"),
            ("s3://data/scoring/backups%2F%CC%81x", "protected_location"),
            ("s3://data/scoring/\u{301}today.csv", "s3://data/scoring/\u{301}today.csv"),
            // Only ASCII letters are folded: the Kelvin sign lower-cases to "k" in Unicode, but S3 keeps its bytes.
            ("s3://data/scoring/bac\u{212A}ups/x", "s3://data/scoring/bac\u{212A}ups/x"),
            // Not an object URL.
            ("s3://data/scoring/../art/x", "invalid_location"),
            ("s3://data/scoring//x", "invalid_location"),
            ("s3://data/scoring/./x", "invalid_location"),
            ("s3://data/", "invalid_location"),
            ("s3://data", "invalid_location"),
            ("s3:///scoring/x", "invalid_location"),
            ("s3://data/scoring/x\n.csv", "invalid_location"),
            ("s3://da/scoring/x", "invalid_location"),
        ]
    )
    func s3(_ text: String, expected: String) {
        do {
            let url = try Self.locations.checkS3(text, role: "output")
            #expect(url == expected, "\(text)")
        } catch {
            #expect(error.code.name == expected, "\(text): \(error.message)")
            #expect(error.message.hasPrefix("output '"), "\(error.message)")
        }
    }

    @Test("with no prefixes configured (the default) no s3:// location is allowed, and the message names the setting")
    func noPrefixes() throws {
        let error = try #require(throws: ScoringLocationError.self) {
            try ScoringLocations(scoringDirectory: "/s").checkS3("s3://data/scoring/x.csv", role: "input")
        }
        #expect(error.code == .s3NotAllowed)
        #expect(error.message.contains("NOMALY_SCORING_S3_PREFIXES (none are allowed)"))
    }

    @Test(
        "resolved local paths: inside the scoring folder for API runs, never in a protected folder",
        arguments: [
            ("/var/lib/nomaly/scoring/today.csv", true, "ok"),
            ("/var/lib/nomaly/scoring/a/b/scores.csv", true, "ok"),
            ("/var/lib/nomaly/scoring", true, "outside_scoring_dir"),
            ("/var/lib/nomaly/scoringx/a.csv", true, "outside_scoring_dir"),
            ("/etc/passwd", true, "outside_scoring_dir"),
            // The scoring folder holds the artifact store: confinement alone would allow it.
            ("/var/lib/nomaly/scoring/artifacts/sha256/ab/ab.tar.gz", true, "protected_location"),
            ("/var/lib/nomaly/scoring/ARTIFACTS/x", true, "protected_location"),
            ("/var/lib/nomaly/scoring/artifacts", true, "protected_location"),
            ("/var/lib/nomaly/scoring/artifactsx/a.csv", true, "ok"),
            // Byte-wise, as the kernel resolves paths: a combining mark after the slash does not hide the folder.
            ("/var/lib/nomaly/scoring/artifacts/\u{301}x.csv", true, "protected_location"),
            ("/var/lib/nomaly/scoring/\u{301}x.csv", true, "ok"),
            ("/var/lib/nomaly/backups/\u{301}20261201/database.dump", false, "protected_location"),
            // Job files may use any path but the protected ones.
            ("/data/today.csv", false, "ok"),
            ("/var/lib/nomaly/backups/20261201_020000/database.dump", false, "protected_location"),
            ("/var/lib/nomaly/backups", false, "protected_location"),
        ]
    )
    func local(_ path: String, confined: Bool, expected: String) {
        do {
            try Self.locations.checkLocal(
                resolvedPath: path,
                role: "input",
                original: path,
                scoringDirectory: confined ? "/var/lib/nomaly/scoring" : nil
            )
            #expect(expected == "ok", "\(path)")
        } catch {
            #expect(error.code.name == expected, "\(path): \(error.message)")
        }
    }

    @Test("paths are resolved before they are judged: relative ones, '..', and symbolic links into protected folders")
    func resolvesLinks() throws {
        let root = FileManager.default.temporaryDirectory.path + "/scoring-locations-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scoring = root + "/scoring"
        try FileManager.default.createDirectory(atPath: scoring + "/in", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scoring + "/artifacts/sha256", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/backups/set", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/backups/set/database.dump", contents: Data("secret".utf8))
        try FileManager.default.createSymbolicLink(atPath: scoring + "/old", withDestinationPath: root + "/backups")
        try FileManager.default.createSymbolicLink(atPath: scoring + "/models", withDestinationPath: scoring + "/artifacts")
        // Both protected folders are named through links of their own: both sides are resolved.
        try FileManager.default.createSymbolicLink(atPath: root + "/backup-link", withDestinationPath: root + "/backups")
        try FileManager.default.createSymbolicLink(atPath: root + "/artifact-link", withDestinationPath: scoring + "/artifacts")
        let locations = ScoringLocations(
            protected: [
                ProtectedLocation(name: "the backup folder (NOMALY_BACKUP_DIR)", place: .folder(root + "/backup-link")),
                ProtectedLocation(name: "the artifact store (NOMALY_ARTIFACTS)", place: .folder(root + "/artifact-link")),
            ],
            scoringDirectory: scoring
        )
        let real = ScoringLocations.resolvedPath(scoring)
        #expect(try locations.resolve("in/today.csv", role: "input", confined: true) == real + "/in/today.csv")
        #expect(try locations.resolve("in/../out/new/scores.csv", role: "output", confined: true) == real + "/out/new/scores.csv")
        for (text, code) in [
            ("artifacts/sha256/x.tar.gz", ScoringLocationError.Code.protectedLocation),
            ("models/sha256/x.tar.gz", .protectedLocation),
            ("in/../models/new.tar.gz", .protectedLocation),
            ("old/set/database.dump", .outsideScoringDirectory),
            ("../backups/set/database.dump", .outsideScoringDirectory),
            ("file:///etc/passwd", .invalidLocation),
            ("", .invalidLocation),
        ] {
            let error = try #require(throws: ScoringLocationError.self) { try locations.resolve(text, role: "input", confined: true) }
            #expect(error.code == code, "\(text): \(error.message)")
        }
        // A job file may read anywhere but the protected folders, however they are reached.
        #expect(try locations.resolve(root + "/other.csv", role: "input", confined: false) == ScoringLocations.resolvedPath(root) + "/other.csv")
        let error = try #require(throws: ScoringLocationError.self) {
            try locations.resolve(scoring + "/old/set/database.dump", role: "input", confined: false)
        }
        #expect(error.code == .protectedLocation)
        #expect(error.message.contains("the backup folder (NOMALY_BACKUP_DIR)"))
    }

    @Test("protected locations come from the real stores: a folder store's root, an S3 store's bucket and prefix")
    func fromStores() throws {
        let files = try #require(ProtectedLocation(name: "a", store: FileStore(root: "/srv/artifacts/"), prefix: ""))
        #expect(files.place == .folder("/srv/artifacts"))
        let nested = try #require(ProtectedLocation(name: "a", store: FileStore(root: "/srv"), prefix: "backups/"))
        #expect(nested.place == .folder("/srv/backups"))
        let configuration = S3Configuration(endpoint: URL(string: "http://127.0.0.1:1"), region: "us-east-1")
        let bucket = S3Store(configuration: configuration, bucket: "shared", prefix: "nomaly", logger: TestEnvironment.logger)
        let s3 = try #require(ProtectedLocation(name: "b", store: bucket, prefix: "backups/"))
        #expect(s3.place == .s3(bucket: "shared", prefix: "nomaly/backups/"))
    }
}

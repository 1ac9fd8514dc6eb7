import Foundation
package import Settings

/// What scoring may read, write and hold in memory (docs/configuration.md, "Scoring"): the S3 prefixes scoring runs
/// may use, and the limits on their inputs and on synchronous requests.
package struct ScoringSettings: Sendable, Equatable {
    /// `NOMALY_SCORING_S3_PREFIXES`: comma-separated `s3://bucket/prefix/` locations that scoring runs (API and
    /// `kind: score` job files) may read inputs from and write scores to. Empty, the default, allows no S3 at all:
    /// the daemon's credentials usually reach the artifact store and the backups too.
    package var s3Prefixes: [String] = []
    /// `NOMALY_SCORING_MAX_INPUT`: the most bytes of CSV a scoring run reads (counted after decompression), and the
    /// largest object it downloads.
    package var maxInputBytes: Int64 = 10 << 30
    /// `NOMALY_SCORING_MAX_ROWS`: the most rows one synchronous scoring request may carry (413 beyond).
    package var maxRows = 1_000_000

    package init(s3Prefixes: [String] = [], maxInputBytes: Int64 = 10 << 30, maxRows: Int = 1_000_000) {
        self.s3Prefixes = s3Prefixes
        self.maxInputBytes = maxInputBytes
        self.maxRows = maxRows
    }

    /// Reads `NOMALY_SCORING_S3_PREFIXES`, `NOMALY_SCORING_MAX_INPUT` and `NOMALY_SCORING_MAX_ROWS`, each problem into
    /// `reader`.
    package init(reader: inout SettingsReader) {
        for entry in (reader.environment["NOMALY_SCORING_S3_PREFIXES"] ?? "").split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let prefix = Self.normalisedPrefix(text) else {
                reader.report(
                    ConfigurationProblem(
                        variable: "NOMALY_SCORING_S3_PREFIXES",
                        message: "'\(text)' is not an s3://bucket/prefix/ location (a bucket alone would open all of it: name a prefix)"
                    )
                )
                continue
            }
            s3Prefixes.append(prefix)
        }
        maxInputBytes = reader.byteSize("NOMALY_SCORING_MAX_INPUT", default: maxInputBytes, range: 1024...(1 << 50))
        maxRows = reader.integer("NOMALY_SCORING_MAX_ROWS", default: maxRows, range: 1...1_000_000_000)
    }

    /// `s3://bucket/prefix/` with exactly one trailing slash, so that `s3://b/in` never covers `s3://b/inbox`; nil for
    /// anything else, a bare bucket included.
    static func normalisedPrefix(_ text: String) -> String? {
        // Only a lowercase scheme, as before; bucket and key are split like every other s3:// URL (byte-wise).
        guard text.utf8.starts(with: "s3://".utf8), let (bucket, key) = ObjectLocation.s3Parts(text) else { return nil }
        var folder = Array(key.utf8)
        while folder.last == UInt8(ascii: "/") { folder.removeLast() }
        let segments = folder.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard ObjectLocation.isValidBucketName(bucket), !folder.isEmpty,
            !segments.contains(where: { $0.isEmpty || $0.elementsEqual(".".utf8) || $0.elementsEqual("..".utf8) })
        else { return nil }
        return "s3://\(bucket)/\(String(decoding: folder, as: UTF8.self))/"
    }
}

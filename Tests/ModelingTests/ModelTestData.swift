import Detectors
import Foundation
import TestSupport

/// A small CSV of clustered rows with ids, a label, and one obvious outlier (`outlier`, label 1) as the last row.
func clusteredCSV(rows: Int = 300, seed: UInt64 = 1) -> String {
    // A fixed generator, so that test data never changes between platforms.
    var random = SplitMix64(state: seed)
    func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
    var lines = ["id,a,b,c,label"]
    for row in 0..<rows {
        lines.append("r\(row),\(uniform()),\(uniform() * 2),\(uniform() - 0.5),0")
    }
    lines.append("outlier,9.5,-8,7,1")
    return lines.joined(separator: "\n") + "\n"
}

/// The lines of a scores CSV, header first.
func csvLines(_ folder: TemporaryFolder, _ name: String) throws -> [String] {
    try folder.read(name).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
}

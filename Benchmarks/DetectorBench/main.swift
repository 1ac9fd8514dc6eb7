// Times Detectors on rows already in memory, for scripts/bench.d/detectors.sh: the Python peers are timed the
// same way (after pandas has read the CSV), so the ratios compare the algorithms, not the CSV readers.
//
//   nomaly-detector-bench INPUT.csv [--detector isolation-forest|ecod] [--threads N] [--repeat R] [--trees T]
//
// Prints one JSON object: rows, features, best fit and score seconds over R runs, and scored rows per second.
import Datasets
import Detectors
import Foundation
import Units

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}
let detectorName = option("--detector", "isolation-forest")
let threads = Int(option("--threads", "1")) ?? 1
let repeats = Int(option("--repeat", "3")) ?? 3
let trees = Int(option("--trees", "100")) ?? 100
guard let input = arguments.first, !input.hasPrefix("--") else {
    FileHandle.standardError.write(Data("usage: nomaly-detector-bench INPUT.csv [--detector D] [--threads N] [--repeat R]\n".utf8))
    exit(2)
}

let dataset = try Dataset.load(csv: input, format: CSVFormat(), selection: ColumnSelection(), missing: .error)
let matrix = FeatureMatrix(rowCount: dataset.rowCount, columnCount: dataset.featureNames.count, values: dataset.features)
let clock = ContinuousClock()

var bestFit = Double.infinity
var detector: (any AnomalyDetector)?
for _ in 0..<repeats {
    let elapsed = try clock.measure {
        if detectorName == "ecod" {
            detector = try ECOD.fit(matrix, threads: threads)
        } else {
            detector = try IsolationForest.fit(matrix, parameters: .init(trees: trees, sampleSize: 256, seed: 1), threads: threads)
        }
    }
    bestFit = min(bestFit, elapsed.inSeconds)
}
var bestScore = Double.infinity
var checksum = 0.0
for _ in 0..<repeats {
    var scores: [Double] = []
    let elapsed = clock.measure { scores = detector!.score(matrix, threads: threads) }
    checksum = scores.reduce(0, +)
    bestScore = min(bestScore, elapsed.inSeconds)
}
let report: [String: Double] = [
    "rows": Double(matrix.rowCount), "features": Double(matrix.columnCount), "threads": Double(threads),
    "fit_seconds": bestFit, "score_seconds": bestScore, "score_rows_per_second": Double(matrix.rowCount) / bestScore,
    "checksum": checksum,
]
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
print(String(decoding: try encoder.encode(report), as: UTF8.self))

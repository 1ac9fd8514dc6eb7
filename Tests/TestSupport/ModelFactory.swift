import Datasets
import Foundation
import Modeling

/// Real model artifacts, trained in a few milliseconds on a small generated CSV.
package enum ModelFactory {
    /// Clustered rows with ids and a label, and one far-away outlier; `seed` varies the values.
    package static func csv(rows: Int = 120, seed: UInt64) -> String {
        // A fixed linear congruential generator, so the data is the same on every machine.
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var lines = ["id,a,b,c,label"]
        for row in 0..<rows {
            lines.append("r\(row),\(uniform()),\(uniform() * 2),\(uniform() - 0.5),0")
        }
        lines.append("outlier,9.5,-8,7,1")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Trains an isolation forest and writes its tarball in `folder`; different seeds give different artifacts.
    /// - Returns: the tarball's path.
    package static func artifact(in folder: TemporaryFolder, seed: UInt64 = 1) async throws -> String {
        let input = try folder.file("train-\(seed).csv", csv(seed: seed))
        let request = TrainingRequest(
            detector: "isolation-forest",
            parameters: .init(trees: 5, seed: seed),
            selection: .init(id: "id", label: "label"),
            nomalyVersion: "test"
        )
        let output = folder.path + "/model-\(seed).tar.gz"
        _ = try await ModelTrainer.fit(csv: input, request: request, output: output)
        return output
    }
}

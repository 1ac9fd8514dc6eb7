// Payload: featureCount u32, trees u32, requested sampleSize u32, seed u64, ψ u32, heightLimit u8, then
// features (i32), thresholds (f64) for trees × (2^H − 1) internal nodes and path lengths (f64) for
// trees × 2^H bottom slots.

extension IsolationForest {
    func encodePayload(into writer: inout ByteWriter) {
        writer.write(UInt32(featureCount))
        writer.write(UInt32(parameters.trees))
        writer.write(UInt32(parameters.sampleSize))
        writer.write(parameters.seed)
        writer.write(UInt32(sampleSize))
        writer.write(UInt8(heightLimit))
        for feature in features { writer.write(feature) }
        for threshold in thresholds { writer.write(threshold) }
        for length in leafPathLengths { writer.write(length) }
    }

    static func decodePayload(from reader: inout ByteReader) throws -> IsolationForest {
        let featureCount = Int(try reader.read(UInt32.self, for: "the feature count"))
        let trees = Int(try reader.read(UInt32.self, for: "the tree count"))
        let requestedSampleSize = Int(try reader.read(UInt32.self, for: "the sample size"))
        let seed = try reader.read(UInt64.self, for: "the seed")
        let sampleSize = Int(try reader.read(UInt32.self, for: "the sample size"))
        let height = Int(try reader.read(UInt8.self, for: "the height limit"))
        let parameters = Parameters(trees: trees, sampleSize: requestedSampleSize, seed: seed)
        do {
            try validate(parameters)
        } catch let error as DetectorError {
            throw DetectorCodec.inconsistent("its parameters are invalid (\(error.message))")
        }
        guard (1...maximumFeatureCount).contains(featureCount) else {
            throw DetectorCodec.inconsistent("an isolation forest cannot have \(featureCount) features")
        }
        guard (1...requestedSampleSize).contains(sampleSize), height == AveragePathLength.heightLimit(sampleSize: sampleSize) else {
            throw DetectorCodec.inconsistent("sample size \(sampleSize) and height \(height) do not match")
        }
        // Bounded by the checks above (2^16 leaves × 100,000 trees), so none of this overflows.
        let internalCount = trees * ((1 << height) - 1)
        let leafCount = trees * (1 << height)
        try reader.require(internalCount * 12 + leafCount * 8, for: "\(trees) trees of height \(height)")

        var features = [Int32](repeating: 0, count: internalCount)
        for i in 0..<internalCount {
            features[i] = try reader.read(Int32.self, for: "a split feature")
            guard features[i] >= 0, Int(features[i]) < featureCount else {
                throw DetectorCodec.inconsistent("a split uses feature \(features[i]) of \(featureCount)")
            }
        }
        var thresholds = [Double](repeating: 0, count: internalCount)
        for i in 0..<internalCount {
            thresholds[i] = try reader.readDouble(for: "a split threshold")
            guard !thresholds[i].isNaN else { throw DetectorCodec.inconsistent("a split threshold is NaN") }
        }
        var leaves = [Double](repeating: 0, count: leafCount)
        for i in 0..<leafCount {
            leaves[i] = try reader.readDouble(for: "a leaf path length")
            guard leaves[i].isFinite, leaves[i] >= 0 else {
                throw DetectorCodec.inconsistent("a leaf path length is \(leaves[i])")
            }
        }
        return IsolationForest(
            featureCount: featureCount,
            parameters: parameters,
            sampleSize: sampleSize,
            heightLimit: height,
            features: features,
            thresholds: thresholds,
            leafPathLengths: leaves
        )
    }
}

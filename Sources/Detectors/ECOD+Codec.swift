// Payload: featureCount u32, trainingCount u64, then per feature: skewness sign i8, knot count u32, and
// per knot value f64, #below u64, #at-or-below u64.

extension ECOD {
    func encodePayload(into writer: inout ByteWriter) {
        writer.write(UInt32(featureCount))
        writer.write(UInt64(trainingCount))
        for feature in 0..<featureCount {
            writer.write(skewnessSigns[feature])
            let knots = knotStarts[feature]..<knotStarts[feature + 1]
            writer.write(UInt32(knots.count))
            for k in knots {
                writer.write(knotValues[k])
                writer.write(UInt64(countsBelow[k]))
                writer.write(UInt64(countsAtOrBelow[k]))
            }
        }
    }

    static func decodePayload(from reader: inout ByteReader) throws -> ECOD {
        let featureCount = Int(try reader.read(UInt32.self, for: "the feature count"))
        let rawCount = try reader.read(UInt64.self, for: "the training row count")
        // Counts must stay exact as doubles.
        guard featureCount >= 1, rawCount >= 1, rawCount <= 1 << 53 else {
            throw DetectorCodec.inconsistent("an ECOD model of \(featureCount) features and \(rawCount) training rows")
        }
        let n = Int(rawCount)
        // Each feature takes at least 1 + 4 + 24 bytes: refuse a feature count the bytes cannot hold.
        try reader.require(featureCount * 29, for: "\(featureCount) features")
        var starts = [0]
        var values: [Double] = []
        var below: [Int] = []
        var atOrBelow: [Int] = []
        var signs: [Int8] = []
        for feature in 0..<featureCount {
            let sign = try reader.read(Int8.self, for: "a skewness sign")
            let knots = Int(try reader.read(UInt32.self, for: "a knot count"))
            guard (-1...1).contains(sign), (1...maximumKnots).contains(knots) else {
                throw DetectorCodec.inconsistent("feature \(feature) has skewness sign \(sign) and \(knots) knots")
            }
            try reader.require(knots * 24, for: "\(knots) knots")
            var previousValue = -Double.infinity
            var previousAtOrBelow = 0
            for k in 0..<knots {
                let value = try reader.readDouble(for: "a knot value")
                let countBelow = try reader.read(UInt64.self, for: "a knot count")
                let countAtOrBelow = try reader.read(UInt64.self, for: "a knot count")
                // Values strictly increase; each knot holds at least one row; counts never go back or past n.
                guard value.isFinite, value > previousValue || k == 0,
                    countBelow >= UInt64(previousAtOrBelow), countBelow < countAtOrBelow, countAtOrBelow <= rawCount,
                    k > 0 || countBelow == 0, k < knots - 1 || countAtOrBelow == rawCount
                else {
                    throw DetectorCodec.inconsistent("feature \(feature)'s distribution is not consistent at knot \(k)")
                }
                values.append(value)
                below.append(Int(countBelow))
                atOrBelow.append(Int(countAtOrBelow))
                previousValue = value
                previousAtOrBelow = Int(countAtOrBelow)
            }
            signs.append(sign)
            starts.append(values.count)
        }
        return ECOD(
            featureCount: featureCount,
            trainingCount: n,
            knotStarts: starts,
            knotValues: values,
            countsBelow: below,
            countsAtOrBelow: atOrBelow,
            skewnessSigns: signs
        )
    }
}

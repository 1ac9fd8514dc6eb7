// Counting training values at or below x by binary search over a feature's knots. With up to 65,536 knots
// (512 KiB) per feature, a plain search misses the cache on most of its 16 steps; a guide of every 64th
// knot (8 KiB) finds the right 64-knot segment from cache first, then the search ends within 512 bytes.

extension ECOD {
    /// How many knots one guide entry covers.
    static let guideStride = 64

    /// Every `guideStride`-th knot value of each feature, with per-feature starts.
    static func guides(knotStarts: [Int], knotValues: [Double]) -> (starts: [Int], values: [Double]) {
        var starts = [0]
        var values: [Double] = []
        for feature in 0..<(knotStarts.count - 1) {
            values += stride(from: knotStarts[feature], to: knotStarts[feature + 1], by: guideStride).map { knotValues[$0] }
            starts.append(values.count)
        }
        return (starts, values)
    }

    /// The index of the last of `count` values from `start` that is <= x, or `start` when none is.
    @inline(__always)
    static func lastIndex(notAbove x: Double, in values: UnsafeBufferPointer<Double>, start: Int, count: Int) -> Int {
        guard let pointer = values.baseAddress else { return start }
        var base = start
        var length = count
        while length > 1 {
            let half = length &>> 1
            // LLVM compiles this to a jump whatever the spelling (masks and sign tricks included); Swift has
            // no way to mark it unpredictable, so the guide's job is to keep the mispredicted steps cheap.
            base = pointer[base &+ half] <= x ? base &+ half : base
            length &-= half
        }
        return base
    }

    /// (#train ≤ x, #train < x) from one feature's knots; interpolated when x falls between two knots
    /// that are not neighbours among the distinct training values.
    ///
    /// - Parameter guide: Every ``guideStride``-th value of `values`, or empty to search `values` directly.
    static func counts(
        of x: Double,
        values: UnsafeBufferPointer<Double>,
        below: UnsafeBufferPointer<Int>,
        atOrBelow: UnsafeBufferPointer<Int>,
        guide: UnsafeBufferPointer<Double> = UnsafeBufferPointer(start: nil, count: 0)
    ) -> (lessOrEqual: Double, less: Double) {
        var start = 0
        var length = values.count
        if guide.count > 1 {
            // The last knot <= x lies in the segment whose first knot is the last guide value <= x.
            start = lastIndex(notAbove: x, in: guide, start: 0, count: guide.count) * guideStride
            length = min(guideStride, values.count - start)
        }
        let base = lastIndex(notAbove: x, in: values, start: start, count: length)
        let value = values[base]
        if x < value {
            return (0, 0)
        }
        if x == value {
            return (Double(atOrBelow[base]), Double(below[base]))
        }
        let last = values.count - 1
        if base == last {
            let all = Double(atOrBelow[last])
            return (all, all)
        }
        let low = Double(atOrBelow[base])
        let high = Double(below[base + 1])
        let count = low + (high - low) * fraction(x, from: value, to: values[base + 1])
        return (count, count)
    }

    /// Where x lies between `low` and `high`, in [0, 1], without overflowing on extreme values.
    private static func fraction(_ x: Double, from low: Double, to high: Double) -> Double {
        var f = (x - low) / (high - low)
        if !f.isFinite {
            f = (x / 2 - low / 2) / (high / 2 - low / 2)
        }
        return min(max(f, 0), 1)
    }
}

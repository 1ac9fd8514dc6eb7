/// SplitMix64 (Steele, Lea & Flood 2014): expands a seed into generator state, because nearby seeds give
/// unrelated outputs; also the fixed generator for sampling elsewhere (score reservoirs, test data).
package struct SplitMix64: Sendable {
    package var state: UInt64

    package init(state: UInt64) {
        self.state = state
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna 2018): a small, fast generator whose output we control bit for bit, so a
/// seed gives the same forest on every platform and Swift version (the standard library promises neither).
struct Xoshiro256StarStar {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A stream for one `(seed, stream)` pair; streams of the same seed are independent, so tree `i` draws the
    /// same numbers whichever thread grows it.
    init(seed: UInt64, stream: UInt64) {
        var first = SplitMix64(state: seed)
        var mixer = SplitMix64(state: first.next() ^ (stream &* 0xD1B5_4A32_D192_ED03))
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        // The all-zero state is the one state xoshiro cannot leave.
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// A generator in the given raw state, for checking against the reference implementation's outputs.
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<bound` without modulo bias (Lemire 2019).
    mutating func next(below bound: Int) -> Int {
        precondition(bound > 0)
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let floor = (0 &- range) % range
            while product.low < floor {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

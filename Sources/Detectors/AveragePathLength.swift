/// Helpers shared by the isolation forest's fitting, layout and scoring.
enum AveragePathLength {
    /// The Euler–Mascheroni constant at full double precision, as scikit-learn's `np.euler_gamma`, so c(n)
    /// matches scikit-learn to the last bit (the paper's 0.5772156649 differs by about 1e-11).
    static let eulerGamma = 0.577_215_664_901_532_9

    /// c(n): the average path length of an unsuccessful search in a binary search tree of `n` points, which
    /// is how much deeper a leaf holding `n` training rows would have gone had the tree not been cut off.
    ///
    /// Matches scikit-learn's `_average_path_length`: c(0) = c(1) = 0 and c(2) = 1 exactly, otherwise
    /// 2H(n − 1) − 2(n − 1)/n with H(i) ≈ ln(i) + γ.
    static func c(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n - 1)
        return 2 * (naturalLog(m) + eulerGamma) - 2 * m / Double(n)
    }

    /// ⌈log₂ ψ⌉ for ψ ≥ 2, and 1 for smaller samples, as scikit-learn's `max_depth`.
    static func heightLimit(sampleSize: Int) -> Int {
        let n = max(sampleSize, 2)
        return Int.bitWidth - (n - 1).leadingZeroBitCount
    }
}

extension Duration {
    /// The duration in seconds with its fraction, as a `Date` offset, a `float8` interval parameter or a rate needs it:
    /// whole seconds plus attoseconds / 10¹⁸, so that every caller gets the same bits.
    ///
    /// ```swift
    /// Duration.milliseconds(1500).inSeconds // 1.5
    /// ```
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds, the rest dropped (toward zero), as libcurl's timeouts and `schema_migrations` take them.
    ///
    /// ```swift
    /// Duration.microseconds(2_999).inMilliseconds // 2
    /// ```
    package var inMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// A number of seconds rounded to the nearest millisecond (halves away from zero): the precision of every duration
    /// an operator writes, as a bare number (`timeout: 1.5`) or in units (`90s`).
    ///
    /// ```swift
    /// Duration(secondsRoundedToMilliseconds: 2.0004) // .milliseconds(2000)
    /// ```
    /// - Returns: nil for a number that is not finite or whose milliseconds do not fit in `Int64` (about 292 million
    ///   years), which would otherwise trap.
    package init?(secondsRoundedToMilliseconds seconds: Double) {
        guard let milliseconds = Int64(exactly: (seconds * 1000).rounded()) else { return nil }
        self = .milliseconds(milliseconds)
    }
}

package import Settings

/// `RATE_LIMIT_ENABLED`, `RATE_LIMIT_PER_MINUTE`, `RATE_LIMIT_BURST` (the deployment guide's names): a token bucket per
/// API token (per address for unauthenticated requests).
///
/// A type of its own beside ``HTTPSettings`` rather than a part of it: the composition root reads it after the backup
/// and scoring settings, where these variables have always been read, so that `nomaly check` lists problems in the
/// order it always has.
///
/// ```swift
/// var reader = SettingsReader(Environment())
/// let limiter = RateLimitSettings(reader: &reader).makeLimiter()   // nil when RATE_LIMIT_ENABLED=false
/// ```
package struct RateLimitSettings: Sendable, Equatable {
    package var enabled = true
    package var perMinute = 60
    package var burst = 10

    package init(enabled: Bool = true, perMinute: Int = 60, burst: Int = 10) {
        self.enabled = enabled
        self.perMinute = perMinute
        self.burst = burst
    }

    /// Reads the three variables, each problem into `reader`.
    package init(reader: inout SettingsReader) {
        enabled = reader.boolean("RATE_LIMIT_ENABLED", default: enabled)
        perMinute = reader.integer("RATE_LIMIT_PER_MINUTE", default: perMinute, range: 1...1_000_000)
        burst = reader.integer("RATE_LIMIT_BURST", default: burst, range: 1...1_000_000)
    }

    /// The limiter every API request passes; nil when rate limiting is off.
    package func makeLimiter() -> RateLimiter? {
        enabled ? RateLimiter(perMinute: perMinute, burst: burst) : nil
    }
}

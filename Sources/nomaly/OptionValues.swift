import ArgumentParser
import Units

/// Checks of option values shared by several commands, so the same option is refused alike everywhere (exit 64,
/// through ``ExitStatus``), whichever command it is given to.
enum OptionValues {
    /// `--limit` of every listing: the API's `?limit=` range on every route.
    static let limits = 1...1000

    static func checkLimit(_ limit: Int) throws {
        guard limits.contains(limit) else {
            throw ValidationError("--limit must be between \(limits.lowerBound) and \(limits.upperBound), not \(limit)")
        }
    }

    /// A duration option such as `10m` or `90d`; zero only where it means something (`allowZero`).
    static func duration(_ text: String, option: String, allowZero: Bool = false) throws -> Duration {
        guard let value = parseDuration(text), value > .zero || (allowZero && value == .zero) else {
            throw ValidationError("\(option): '\(text)' is not a duration such as 10m, 12h or 30d" + (allowZero ? "" : " (above zero)"))
        }
        return value
    }
}

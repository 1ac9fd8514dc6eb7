package import Logging
package import Settings

/// `LOG_LEVEL` and `LOG_FORMAT` (docs/configuration.md, "Service"): what the process logs and how it writes it.
///
/// ```swift
/// var reader = SettingsReader(Environment())
/// let log = LogSettings(reader: &reader)
/// bootstrapLogging(format: log.format, level: log.level(quiet: true))
/// ```
package struct LogSettings: Sendable, Equatable {
    /// `LOG_LEVEL`'s values, least severe first.
    package static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    package var level: Logger.Level = .info
    package var format: StructuredLogHandler.Format = .logfmt
    /// Whether `LOG_LEVEL` was set: an operator who asked for a level gets it even from a quiet command.
    package var levelIsExplicit = false

    package init(level: Logger.Level = .info, format: StructuredLogHandler.Format = .logfmt, levelIsExplicit: Bool = false) {
        self.level = level
        self.format = format
        self.levelIsExplicit = levelIsExplicit
    }

    /// Reads `LOG_LEVEL` then `LOG_FORMAT`, each problem into `reader`.
    package init(reader: inout SettingsReader) {
        levelIsExplicit = reader.environment["LOG_LEVEL"] != nil
        level = Logger.Level(rawValue: reader.choice("LOG_LEVEL", default: level.rawValue, from: Self.levels)) ?? level
        let formats = StructuredLogHandler.Format.allCases.map(\.rawValue)
        format = StructuredLogHandler.Format(rawValue: reader.choice("LOG_FORMAT", default: format.rawValue, from: formats)) ?? format
    }

    /// The level to log at: a CLI command is `quiet` (its output is its answer, not the embedded cluster starting and
    /// stopping) and logs only warnings and errors unless `LOG_LEVEL` says otherwise.
    package func level(quiet: Bool) -> Logger.Level {
        quiet && !levelIsExplicit ? .warning : level
    }
}

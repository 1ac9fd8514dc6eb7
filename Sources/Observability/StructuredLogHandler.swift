import Foundation
package import Logging

/// Writes one line per log event to standard error, as logfmt (for terminals and grep) or JSON (for log shippers).
///
/// ```
/// ts=2026-11-29T08:00:00.123Z level=info logger=nomaly msg="applied migration" migration=0001_initial.sql
/// {"ts":"2026-11-29T08:00:00.123Z","level":"info","logger":"nomaly","msg":"applied migration","migration":"0001_initial.sql"}
/// ```
package struct StructuredLogHandler: LogHandler {
    /// `LOG_FORMAT`'s values.
    package enum Format: String, Sendable, CaseIterable {
        case logfmt
        case json
    }

    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format
    private let output: @Sendable (String) -> Void

    /// - Parameters:
    ///   - output: receives each finished line (with its newline); standard error by default.
    package init(
        label: String,
        format: Format,
        level: Logger.Level = .info,
        output: @escaping @Sendable (String) -> Void = StructuredLogHandler.writeToStandardError
    ) {
        self.label = label
        self.format = format
        logLevel = level
        self.output = output
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = Self.timestamp(Date())
        var fields: [(String, String)] = [("ts", timestamp), ("level", event.level.rawValue), ("logger", label), ("msg", event.message.description)]
        for key in merged.keys.sorted() {
            fields.append((key, Self.flatten(merged[key]!)))
        }
        switch format {
        case .logfmt: output(Self.logfmtLine(fields))
        case .json: output(Self.jsonLine(fields))
        }
    }

    static func logfmtLine(_ fields: [(String, String)]) -> String {
        fields.map { key, value in "\(key)=\(logfmtValue(value))" }.joined(separator: " ") + "\n"
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.isNewline || $0 == "\t" }
        guard needsQuotes else { return value }
        return "\"" + escaped(value) + "\""
    }

    static func jsonLine(_ fields: [(String, String)]) -> String {
        "{" + fields.map { key, value in "\"\(escaped(key))\":\"\(escaped(value))\"" }.joined(separator: ",") + "}\n"
    }

    /// JSON string escaping, which is also what logfmt readers understand inside quotes.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let items): return "[" + items.map(flatten).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            return "{" + dictionary.keys.sorted().map { "\($0):\(flatten(dictionary[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds % 1000), 3))Z"
    }

    /// One `write(2)` per line, so lines from concurrent tasks never interleave.
    package static let writeToStandardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }
}

/// Installs the handler for the whole process; call once, first thing in `main`.
package func bootstrapLogging(format: StructuredLogHandler.Format, level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        StructuredLogHandler(label: label, format: format, level: level)
    }
}

import HTTPTypes

/// Measures how deeply a JSON document nests before any parser sees it: a body of a million `[` would otherwise
/// cost a deep recursion (or the parser's own, larger limit) for nothing.
enum JSONDepth {
    /// - Throws: 400 `json_too_deep` when arrays and objects nest deeper than `limit`.
    static func check(_ bytes: some Sequence<UInt8>, limit: Int) throws {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit {
                    throw APIError(
                        .badRequest,
                        code: "json_too_deep",
                        "the JSON body nests deeper than \(limit) levels (NOMALY_HTTP_MAX_JSON_DEPTH)"
                    )
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
            default:
                break
            }
        }
    }
}

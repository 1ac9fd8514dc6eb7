import Datasets
import Foundation
import Hummingbird

/// The rules every JSON body of the API follows, checked on exactly the bytes the parser reads: UTF-8 (a `charset` in
/// `Content-Type` other than UTF-8, a UTF-16 or UTF-32 byte order mark, a NUL byte or an invalid UTF-8 sequence is
/// 415), strict RFC 8259 (400 naming the line and column), and nesting at most `NOMALY_HTTP_MAX_JSON_DEPTH` deep
/// (400 `json_too_deep`: a body of a million `[` would otherwise cost a deep recursion for nothing).
///
/// Before, the depth was counted by a byte scan while Foundation's parser also took UTF-16 and UTF-32: in UTF-16 a
/// character such as U+5C00 is the bytes 00 5C, which the scan took for a backslash, so it missed nesting the parser
/// then read. Refusing every encoding but UTF-8 makes the checked bytes and the parsed bytes the same.
enum JSONBody {
    /// 415 unless `Content-Type` names no charset or UTF-8.
    static func requireUTF8(contentType: String?) throws {
        guard let contentType else { return }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].lowercased() == "charset" else { continue }
            let charset = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard ["utf-8", "utf8"].contains(charset.lowercased()) else {
                throw APIError(
                    .unsupportedMediaType,
                    code: "unsupported_encoding",
                    "JSON bodies must be UTF-8; Content-Type says charset=\(charset)"
                )
            }
        }
    }

    /// Checks a whole JSON body against the rules before another parser (JSONDecoder) reads it.
    static func validate(_ buffer: ByteBuffer, contentType: String?, maxDepth: Int) throws {
        try requireUTF8(contentType: contentType)
        do {
            try buffer.withUnsafeReadableBytes { try JSONReader.validate($0, maxDepth: maxDepth) }
        } catch let error as JSONInputError {
            throw apiError(error)
        }
    }

    /// The HTTP answer to a ``JSONInputError``.
    static func apiError(_ error: JSONInputError) -> APIError {
        switch error.code {
        case .encoding:
            return APIError(.unsupportedMediaType, code: "unsupported_encoding", error.description)
        case .tooDeep:
            return APIError(.badRequest, code: "json_too_deep", error.description + " (NOMALY_HTTP_MAX_JSON_DEPTH)")
        case .value:
            return APIError(.badRequest, code: "invalid_input", error.description)
        default:
            return APIError(.badRequest, code: "invalid_json", error.description)
        }
    }
}

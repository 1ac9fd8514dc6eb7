import Foundation
import Hummingbird

extension Request {
    /// Shared by every request: a configured `JSONDecoder` is safe to use from many threads at once.
    static let bodyDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// Decodes a JSON body of at most `limit` bytes with snake_case keys; 400 naming the problem otherwise.
    func decodeJSON<Value: Decodable>(_ type: Value.Type, context: NomalyRequestContext, limit: Int = 1 << 20) async throws -> Value {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "too_large", "the JSON body is larger than \(limit) bytes")
        }
        try JSONBody.validate(buffer, contentType: headers[.contentType], maxDepth: context.maxJSONDepth)
        do {
            return try Self.bodyDecoder.decode(Value.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.badRequest, code: "invalid_json", "the body lacks \(key.stringValue)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty
        {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError(.badRequest, code: "invalid_json", "\(path.isEmpty ? "the body" : path) has the wrong type or an invalid value")
        } catch {
            throw APIError(.badRequest, code: "invalid_json", "the body is not valid JSON")
        }
    }
}

extension NomalyRequestContext {
    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw APIError(.badRequest, code: "bad_request", "missing \(name)") }
        return value
    }

    func integerParameter(_ name: String) throws -> Int {
        guard let text = parameters.get(name), let value = Int(text) else {
            throw APIError(.badRequest, code: "bad_request", "\(name) must be an integer")
        }
        return value
    }

    /// The actor recorded in alias history and the audit log.
    var actor: String { "token:" + (identity?.name ?? "anonymous") }
}

extension Request {
    func integerQuery(_ name: String, default fallback: Int? = nil, range: ClosedRange<Int>) throws -> Int? {
        guard let text = uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(.badRequest, code: "bad_request", "\(name) must be an integer in \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }
}

import Foundation
package import Hummingbird
import JSONValues

/// The encoder of every result the API answers, set once as ``NomalyRequestContext/responseEncoder``: JSON with the
/// CLI's conventions (docs/cli.md), snake_case keys, ISO 8601 dates, sorted keys, slashes written as they are, and every
/// member present: one without a value is `null` (``ExplicitNulls``).
package struct APIResponseEncoder: ResponseEncoder {
    /// Configured once, never changed after: a configured JSONEncoder encodes on several threads at once.
    static let json: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    package init() {}

    package func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try Self.json.encodeWithNulls(value)))
        )
    }
}

/// A result and its status, encoded by the request context's `responseEncoder` (``APIResponseEncoder`` on the API).
package struct JSONResponse<Value: Encodable>: ResponseGenerator {
    let value: Value
    let status: HTTPResponse.Status

    package init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(value, from: request, context: context)
        response.status = status
        return response
    }
}

/// Foundation's JSONEncoder as Hummingbird sets it up for a request context that names no encoder: ISO 8601 dates, `/`
/// escaped as `\/`, keys in no set order. Error bodies (``APIError``, which also answers outside the router) and the
/// probes' answers (``HealthController``, on any context) have always been written this way; they keep it, byte for
/// byte, rather than take the results' conventions.
enum PlainJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Without it the order of keys follows Swift's per-process hash seed: two replicas, or two runs, would answer
        // the same error with different bytes. Any sorted order is one of the orders answered before.
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

/// An answer written with ``PlainJSON`` whatever the request context's encoder; members without a value are `null`, as
/// in every other answer.
protocol PlainJSONResponse: Encodable, ResponseGenerator {}

extension PlainJSONResponse {
    func response(from request: Request, context: some RequestContext) throws -> Response {
        try PlainJSON.encoder.encode(ExplicitNulls(self), from: request, context: context)
    }
}

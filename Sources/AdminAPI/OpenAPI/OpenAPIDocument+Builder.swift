import JSONValues
import Registry

// The small vocabulary the document is written in: schemas, parameters, responses and operations, each turning into
// the JSON tree OpenAPI 3.1 expects. The paths and schemas files read as a description of the API; the details of the
// format live here.

extension OpenAPIDocument {
    /// A JSON Schema in the 2020-12 dialect that OpenAPI 3.1 uses, built with the helpers below.
    ///
    /// ```swift
    /// let page = Schema.object(required: ["runs": .array(.ref("RunRecord"))], nullable: ["next_cursor": .integer(minimum: 1)])
    /// ```
    struct Schema: Sendable {
        var members: [String: JSONValue]

        init(_ members: [String: JSONValue]) {
            self.members = members
        }

        var json: JSONValue { .object(members) }

        /// Any JSON value.
        static let anyValue = Schema([:])

        static func string(format: String? = nil, pattern: String? = nil, minLength: Int? = nil, maxLength: Int? = nil) -> Schema {
            var members: [String: JSONValue] = ["type": .string("string")]
            if let format { members["format"] = .string(format) }
            if let pattern { members["pattern"] = .string(pattern) }
            if let minLength { members["minLength"] = .integer(Int64(minLength)) }
            if let maxLength { members["maxLength"] = .integer(Int64(maxLength)) }
            return Schema(members)
        }

        /// An RFC 3339 time, as the API's encoders write `Date`s (`2026-11-29T03:00:00Z`).
        static let dateTime = string(format: "date-time")

        /// One of fixed strings.
        static func enumeration(_ values: [String]) -> Schema {
            Schema(["type": .string("string"), "enum": .array(values.map(JSONValue.string))])
        }

        /// An integer, `int64` unless told otherwise.
        static func integer(minimum: Int64? = nil, maximum: Int64? = nil, format: String = "int64") -> Schema {
            var members: [String: JSONValue] = ["type": .string("integer"), "format": .string(format)]
            if let minimum { members["minimum"] = .integer(minimum) }
            if let maximum { members["maximum"] = .integer(maximum) }
            return Schema(members)
        }

        static let number = Schema(["type": .string("number"), "format": .string("double")])
        static let boolean = Schema(["type": .string("boolean")])

        static func array(_ items: Schema) -> Schema {
            Schema(["type": .string("array"), "items": items.json])
        }

        /// An object whose `required` properties are always present with a value, whose `nullable` ones are always present
        /// and `null` when they have none (what every answer does: ``ExplicitNulls``), and whose `optional` ones a client
        /// may leave out: only request bodies have those (`expect` in an alias change means something else absent and
        /// null).
        static func object(required: [String: Schema] = [:], nullable: [String: Schema] = [:], optional: [String: Schema] = [:]) -> Schema {
            var properties = required.mapValues(\.json)
            for (name, schema) in nullable { properties[name] = schema.orNull.json }
            for (name, schema) in optional { properties[name] = schema.orNull.json }
            var members: [String: JSONValue] = ["type": .string("object"), "properties": .object(properties)]
            let present = Set(required.keys).union(nullable.keys)
            if !present.isEmpty { members["required"] = .array(present.sorted().map(JSONValue.string)) }
            return Schema(members)
        }

        /// An object used as a map from any name to values of one schema.
        static func map(_ values: Schema) -> Schema {
            Schema(["type": .string("object"), "additionalProperties": values.json])
        }

        /// A schema in `components.schemas`.
        static func ref(_ name: String) -> Schema {
            Schema(["$ref": .string("#/components/schemas/" + name)])
        }

        static func anyOf(_ schemas: [Schema]) -> Schema {
            Schema(["anyOf": .array(schemas.map(\.json))])
        }

        /// The same schema admitting `null`, the 3.1 way: `"type": ["string", "null"]` (and `null` among an `enum`'s values).
        var orNull: Schema {
            var members = self.members
            switch members["type"] {
            case .string(let type):
                members["type"] = .array([.string(type), .string("null")])
                if case .array(let values) = members["enum"] { members["enum"] = .array(values + [.null]) }
                return Schema(members)
            case .array(let types):
                return types.contains(.string("null")) ? self : Schema(members.merging(["type": .array(types + [.string("null")])]) { $1 })
            default:
                // A reference, a combination or any value: wrap it.
                return members.isEmpty ? self : Schema.anyOf([self, Schema(["type": .string("null")])])
            }
        }

        func described(_ text: String) -> Schema {
            var copy = self
            copy.members["description"] = .string(text)
            return copy
        }

        func example(_ value: JSONValue) -> Schema {
            var copy = self
            copy.members["examples"] = .array([value])
            return copy
        }

        func defaulting(to value: JSONValue) -> Schema {
            var copy = self
            copy.members["default"] = value
            return copy
        }
    }

    /// A path, query or header parameter.
    struct Parameter: Sendable {
        enum Location: String, Sendable {
            case path
            case query
            case header
        }

        let name: String
        let location: Location
        let required: Bool
        let schema: Schema
        let description: String

        static func path(_ name: String, _ schema: Schema, _ description: String) -> Parameter {
            Parameter(name: name, location: .path, required: true, schema: schema, description: description)
        }

        static func query(_ name: String, _ schema: Schema, _ description: String) -> Parameter {
            Parameter(name: name, location: .query, required: false, schema: schema, description: description)
        }

        static func header(_ name: String, _ schema: Schema, _ description: String) -> Parameter {
            Parameter(name: name, location: .header, required: false, schema: schema, description: description)
        }

        var json: JSONValue {
            .object([
                "name": .string(name),
                "in": .string(location.rawValue),
                "required": .bool(required),
                "schema": schema.json,
                "description": .string(description),
            ])
        }
    }

    /// A request body in one or more media types.
    struct RequestBody: Sendable {
        let description: String
        let content: [String: Schema]
        var required = true

        static func json(_ schema: Schema, _ description: String) -> RequestBody {
            RequestBody(description: description, content: ["application/json": schema])
        }

        var json: JSONValue {
            .object([
                "description": .string(description),
                "required": .bool(required),
                "content": .object(content.mapValues { .object(["schema": $0.json]) }),
            ])
        }
    }

    /// One response of an operation: its content by media type and its headers.
    struct Response: Sendable {
        let description: String
        var content: [String: Schema] = [:]
        var headers: [String: JSONValue] = [:]

        static func json(_ schema: Schema, _ description: String) -> Response {
            Response(description: description, content: ["application/json": schema])
        }

        /// `{"error": {"code": …, "message": …}}`, what every failure answers.
        static func error(_ description: String) -> Response {
            .json(.ref("Error"), description)
        }

        /// A response without a body.
        static func empty(_ description: String) -> Response {
            Response(description: description)
        }

        func header(_ name: String, _ schema: Schema, _ description: String, required: Bool = false) -> Response {
            var copy = self
            copy.headers[name] = .object(["schema": schema.json, "description": .string(description), "required": .bool(required)])
            return copy
        }

        var json: JSONValue {
            var members: [String: JSONValue] = ["description": .string(description)]
            if !content.isEmpty { members["content"] = .object(content.mapValues { .object(["schema": $0.json]) }) }
            if !headers.isEmpty { members["headers"] = .object(headers) }
            return .object(members)
        }
    }

    /// Who may call an operation, which decides the security requirement and the failures every such call can meet.
    enum Access: Sendable {
        /// No token and never rate limited: health and readiness, for probes.
        case probe
        /// `/metrics`, answered ahead of the router: no token unless `NOMALY_METRICS_REQUIRE_TOKEN` asks for one, and
        /// then the API's lockout and rate limits.
        case scrape
        /// No token, but limited per address like every unauthenticated request.
        case open
        /// A bearer token whose role is at least this one.
        case token(Role)
    }

    /// One operation: a method on a path, with everything it takes and every status it answers.
    struct Operation: Sendable {
        enum Method: String, Sendable, CaseIterable {
            case get
            case put
            case post
            case delete
        }

        let method: Method
        let path: String
        let id: String
        let tag: String
        let access: Access
        let summary: String
        var description: String? = nil
        var parameters: [Parameter] = []
        var body: RequestBody? = nil
        /// The answers of a call that went through: success, redirection, and the failures specific to the operation.
        var responses: [Int: Response]

        var json: JSONValue {
            var members: [String: JSONValue] = [
                "operationId": .string(id),
                "summary": .string(summary),
                "tags": .array([.string(tag)]),
                "responses": .object(Dictionary(uniqueKeysWithValues: allResponses.map { (String($0.key), $0.value.json) })),
            ]
            if let description { members["description"] = .string(description) }
            if !parameters.isEmpty { members["parameters"] = .array(parameters.map(\.json)) }
            if let body { members["requestBody"] = body.json }
            switch access {
            case .probe, .scrape, .open:
                members["security"] = .array([])
            case .token(let role):
                members["security"] = .array([.object(["bearer": .array([])])])
                members["x-nomaly-role"] = .string(role.rawValue)
            }
            return .object(members)
        }

        /// ``responses`` and the failures that every call can meet: the request limits' (414, 431, and 503 past the
        /// request timeout) on everything the router answers; 401 and 429 for every token, 403 above the viewer role; 429
        /// for unauthenticated calls that the rate limiter counts.
        var allResponses: [Int: Response] {
            var all = responses
            func add(_ status: Int, _ response: Response) { all[status] = all[status] ?? response }
            switch access {
            case .scrape:
                add(401, .error("`NOMALY_METRICS_REQUIRE_TOKEN` is on and the request has no live token (`unauthorized`)."))
                add(429, Self.tooManyRequests)
                return all
            case .probe:
                break
            case .open:
                add(429, Self.tooManyRequests)
            case .token(let role):
                add(401, .error("No token, or an unknown, revoked or expired one (`unauthorized`)."))
                add(429, Self.tooManyRequests)
                if role > .viewer { add(403, .error("The token's role is below \(role.rawValue) (`forbidden`).")) }
            }
            add(414, .error("The URL is longer than `NOMALY_HTTP_MAX_URL_BYTES` (`uri_too_long`)."))
            add(431, .error("The headers are larger than `NOMALY_HTTP_MAX_HEADER_BYTES` (`headers_too_large`)."))
            // Every JSON body must be UTF-8 (JSONBody.swift).
            if body?.content["application/json"] != nil {
                add(
                    415,
                    .error(
                        "The JSON body is not UTF-8: a `charset` other than UTF-8, a UTF-16 or UTF-32 byte order mark, a NUL byte "
                            + "or an invalid UTF-8 sequence (`unsupported_encoding`)."
                    )
                )
            }
            add(503, .error("No answer within `NOMALY_HTTP_REQUEST_TIMEOUT`; the work was cancelled (`request_timeout`)."))
            return all
        }

        static let tooManyRequests = Response.error(
            "Too many failed authentication attempts from this address (`locked_out`), or more requests than the rate limit "
                + "allows (`rate_limited`); retry after the seconds in Retry-After."
        )
        .header("Retry-After", .integer(minimum: 1), "Seconds until a request may succeed.", required: true)
    }
}

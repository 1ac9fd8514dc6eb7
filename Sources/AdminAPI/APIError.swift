import Datasets
import Foundation
package import Hummingbird
import Registry
import Scheduler

/// An error answered as `{"error":{"code":…,"message":…}}` with its status.
package struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    package let status: HTTPResponse.Status
    package let code: String
    package let message: String
    /// Extra headers, such as Retry-After on 429.
    package var headers: HTTPFields = [:]

    package init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    package var description: String { "\(status.code) \(code): \(message)" }

    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try PlainJSON.encoder.encode(Body(error: .init(code: code, message: message)))
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Maps domain errors to their HTTP meaning; anything unknown is a 500 whose details stay in the log.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as RegistryError:
            let status: HTTPResponse.Status =
                switch error.code {
                case .notFound: .notFound
                case .invalidName: .badRequest
                case .invalidArtifact: .unprocessableContent
                case .conflict, .refused: .conflict
                default: .badGateway
                }
            return APIError(status, code: error.code.description, error.message)
        case let error as DatasetError:
            return APIError(.badRequest, code: "invalid_input", error.description)
        case let error as SchedulerError:
            let status: HTTPResponse.Status = [.unknownJob, .unknownRun].contains(error.code) ? .notFound : .conflict
            return APIError(status, code: error.code.description, error.message)
        case let error as HTTPError:
            return APIError(error.status, code: "http_\(error.status.code)", error.body ?? error.status.reasonPhrase)
        default:
            return APIError(.internalServerError, code: "internal", "the server failed; the log has the details")
        }
    }
}

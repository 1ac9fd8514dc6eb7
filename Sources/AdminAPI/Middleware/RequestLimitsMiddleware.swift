package import Hummingbird
import NIOCore

/// Refuses requests whose URL or headers are larger than configured (414, 431), hands the JSON depth limit to the
/// handlers, and answers 503 when a handler has not produced a response within the request timeout (its work is
/// cancelled: database queries are cancelled on the server, body reads stop).
package struct RequestLimitsMiddleware: RouterMiddleware {
    package typealias Context = NomalyRequestContext
    let settings: HTTPSettings

    package init(settings: HTTPSettings) {
        self.settings = settings
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let urlBytes = request.head.path?.utf8.count ?? 0
        guard urlBytes <= settings.maxURLBytes else {
            throw APIError(.uriTooLong, code: "uri_too_long", "the URL is \(urlBytes) bytes; the limit is \(settings.maxURLBytes)")
        }
        let headerBytes = request.headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count }
        guard headerBytes <= settings.maxHeaderBytes else {
            throw APIError(
                .init(code: 431, reasonPhrase: "Request Header Fields Too Large"),
                code: "headers_too_large",
                "the request headers are \(headerBytes) bytes; the limit is \(settings.maxHeaderBytes)"
            )
        }
        var context = context
        context.maxJSONDepth = settings.maxJSONDepth
        return try await Self.withTimeout(settings.requestTimeout, request: request, context: context, next: next)
    }

    /// Runs `next` in a child task raced against a timer. The child is cancelled when the timer wins, and the task
    /// group waits for it to wind down, so `next` never outlives this call (which is what makes lending it safe).
    static func withTimeout(
        _ timeout: Duration,
        request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            let handler = UncheckedSendable(value: next)
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler.value(request, context) }
                group.addTask {
                    try await sleep(for: timeout, on: context.eventLoop)
                    return nil
                }
                defer { group.cancelAll() }
                guard let response = try await group.next()! else {
                    throw APIError(
                        .serviceUnavailable,
                        code: "request_timeout",
                        "the request was not answered within \(timeout) (NOMALY_HTTP_REQUEST_TIMEOUT); its work was cancelled"
                    )
                }
                return response
            }
        }
    }
}

/// Sleeps on an event loop timer. Not `Task.sleep`: a cancelled `Task.sleep` keeps its timer (and memory) until the
/// deadline, which with a timer per request and a five-minute timeout grew the heap by every request of the last five
/// minutes. A cancelled NIO timer is removed at once.
func sleep(for duration: Duration, on eventLoop: any EventLoop) async throws {
    let promise = eventLoop.makePromise(of: Void.self)
    let timer = eventLoop.scheduleTask(in: TimeAmount(duration)) { promise.succeed() }
    try await withTaskCancellationHandler {
        try await promise.futureResult.get()
    } onCancel: {
        timer.cancel()
        promise.fail(CancellationError())
    }
}

/// Carries a non-Sendable value into a child task that provably ends before the value's owner does.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}

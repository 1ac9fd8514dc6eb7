package import Hummingbird
package import NIOCore

/// The context of every admin API request: who authenticated, and from where.
package struct NomalyRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// Set by ``BearerAuthMiddleware``; nil on the public endpoints.
    package var identity: TokenIdentity?
    /// The client's IP address, for lockouts, rate limits and the audit log: the peer's, or behind a trusted proxy the
    /// one ``ForwardedClientMiddleware`` found in `X-Forwarded-For`.
    package internal(set) var remoteAddress: String?
    /// Nesting allowed in JSON bodies; set from the settings by ``RequestLimitsMiddleware``.
    package var maxJSONDepth = 32
    /// The connection's event loop, whose timers are cheap to cancel (the request timeout uses one).
    package let eventLoop: any EventLoop
    /// Every result is written by this one encoder (snake_case keys, ISO 8601 dates, sorted keys), not one per response.
    package var responseEncoder: APIResponseEncoder { APIResponseEncoder() }

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
        eventLoop = source.channel.eventLoop
    }

    /// Who is calling: set on every route ``BearerAuthMiddleware`` guards, so on every route of a ``RequireRole`` group.
    /// - Throws: 401 where no token was checked (a public route).
    package var caller: TokenIdentity {
        get throws {
            guard let identity else { throw APIError(.unauthorized, code: "unauthorized", "this endpoint needs a bearer token") }
            return identity
        }
    }
}

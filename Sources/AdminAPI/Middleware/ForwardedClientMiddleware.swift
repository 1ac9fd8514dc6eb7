import Foundation
import HTTPTypes
package import Hummingbird

/// Behind a reverse proxy every request comes from the proxy's address, so one client's failed tokens would lock
/// out everyone. When the peer is a trusted proxy (`NOMALY_TRUSTED_PROXIES`), the client is the rightmost
/// `X-Forwarded-For` entry that is not itself a trusted proxy — the entries left of it were written by the client and
/// prove nothing. Without `X-Forwarded-For`, `X-Real-IP` is used. Requests from other peers keep the peer's address.
package struct ForwardedClientMiddleware: RouterMiddleware {
    package typealias Context = NomalyRequestContext
    let trustedProxies: [IPNetwork]

    package init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let peer = context.remoteAddress, isTrusted(peer) else { return try await next(request, context) }
        var context = context
        context.remoteAddress = clientAddress(of: request, peer: peer)
        return try await next(request, context)
    }

    /// The client a request from `peer` comes from: the peer itself unless it is a trusted proxy.
    func clientAddress(of request: Request, peer: String) -> String {
        guard isTrusted(peer) else { return peer }
        return clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor], realIP: request.headers[.xRealIP])
    }

    func clientAddress(peer: String, forwardedFor: [String], realIP: String?) -> String {
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !hops.isEmpty else {
            guard let realIP = realIP?.trimmingCharacters(in: .whitespaces), IPNetwork.isAddress(realIP) else { return peer }
            return realIP
        }
        var client = peer
        for hop in hops.reversed() {
            // Garbage cannot be a client address; the last proxy that wrote a valid entry is as far as the chain is known.
            guard IPNetwork.isAddress(hop) else { return client }
            client = hop
            if !isTrusted(hop) { return hop }
        }
        return client
    }

    func isTrusted(_ address: String) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRealIP = Self("X-Real-IP")!
}

import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP GET for tests that drive a running `nomaly serve`.
package enum HTTPProbe {
    /// - Returns: status and body, or nil when nothing answered (not listening yet).
    package static func get(_ url: String) async -> (status: Int, body: String)? {
        var request = URLRequest(url: URL(string: url)!)
        // Generous: the whole suite runs at once on two cores, and a single answer can take seconds then. A server
        // that hangs still fails the test, only later.
        request.timeoutInterval = 30
        guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self))
    }

    /// Polls until the URL answers 200 or the timeout passes.
    package static func waitUntilOK(_ url: String, timeout: Duration = .seconds(60)) async -> (status: Int, body: String)? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let answer = await get(url), answer.status == 200 { return answer }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return await get(url)
    }

    /// A TCP port nothing listens on now.
    package static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

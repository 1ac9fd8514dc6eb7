import Foundation
import TestSupport

/// A TCP proxy on 127.0.0.1 in front of the S3 test server that a test can take down (every open connection cut,
/// new ones refused) and bring back on the same port: a network failure in the middle of a transfer.
///
/// Invariant: `listener` and `connections` change only under `lock`; each connection's two pumps run on threads of
/// their own, and the last one to finish closes both sockets.
final class TCPProxy: @unchecked Sendable {
    let port: Int
    private let targetPort: Int
    private let lock = NSLock()
    private var listener: Int32 = -1
    private var connections: Set<Int32> = []
    private(set) var acceptedConnections = 0

    init(targetPort: Int) throws {
        port = HTTPProbe.freePort()
        self.targetPort = targetPort
        try start()
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Listens again on the same port.
    func start() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw ProxyError(message: "cannot listen on port \(port): \(String(cString: strerror(errno)))")
        }
        lock.withLock { listener = descriptor }
        Thread.detachNewThread { self.acceptConnections(descriptor) }
    }

    /// Cuts every open connection and stops listening: clients see resets, then refused connections.
    func stop() {
        lock.withLock {
            if listener >= 0 {
                shutdown(listener, Int32(SHUT_RDWR))
                close(listener)
                listener = -1
            }
            for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptConnections(_ descriptor: Int32) {
        while true {
            let client = accept(descriptor, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let open = lock.withLock {
                guard connected == 0, listener == descriptor else { return false }
                connections.formUnion([client, upstream])
                acceptedConnections += 1
                return true
            }
            guard open else {
                close(client)
                close(upstream)
                continue
            }
            let pair = ConnectionPair(client: client, upstream: upstream)
            Thread.detachNewThread { self.pump(from: client, to: upstream, pair: pair) }
            Thread.detachNewThread { self.pump(from: upstream, to: client, pair: pair) }
        }
    }

    private func pump(from source: Int32, to destination: Int32, pair: ConnectionPair) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        copying: while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            var offset = 0
            while offset < count {
                let sent = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL)) }
                if sent < 0 && errno == EINTR { continue }
                if sent <= 0 { break copying }
                offset += sent
            }
        }
        shutdown(pair.client, Int32(SHUT_RDWR))
        shutdown(pair.upstream, Int32(SHUT_RDWR))
        if pair.finishOne() {
            lock.withLock { connections.subtract([pair.client, pair.upstream]) }
            close(pair.client)
            close(pair.upstream)
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    struct ProxyError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

/// The two sockets of one proxied connection; the second pump to finish closes them.
private final class ConnectionPair: @unchecked Sendable {
    let client: Int32
    let upstream: Int32
    private let lock = NSLock()
    private var finished = 0

    init(client: Int32, upstream: Int32) {
        self.client = client
        self.upstream = upstream
    }

    func finishOne() -> Bool {
        lock.withLock {
            finished += 1
            return finished == 2
        }
    }
}

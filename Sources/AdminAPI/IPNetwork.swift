#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An address range such as `10.0.0.0/8`, `fd00::/8` or a single address, for `NOMALY_TRUSTED_PROXIES`.
///
/// ```swift
/// let network = try IPNetwork(parsing: "172.16.0.0/12")
/// network.contains("172.18.0.5")   // true
/// ```
package struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    let base: [UInt8]
    let prefixLength: Int
    package let description: String

    /// - Throws: ``ConfigurationProblem``-ready text when the address or prefix length is malformed.
    package init(parsing text: String) throws(IPNetworkError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.bytes(of: String(parts[0])) else {
            throw IPNetworkError(text: text, reason: "'\(parts[0])' is not an IPv4 or IPv6 address")
        }
        let bits = address.count * 8
        var length = bits
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...bits).contains(parsed) else {
                throw IPNetworkError(text: text, reason: "the prefix length must be a number from 0 to \(bits)")
            }
            length = parsed
        }
        base = Self.masked(address, prefixLength: length)
        prefixLength = length
        description = text
    }

    /// Whether `address` (textual IPv4 or IPv6) lies in the range. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`,
    /// how a dual-stack socket reports IPv4 peers) matches IPv4 ranges.
    package func contains(_ address: String) -> Bool {
        guard var bytes = Self.bytes(of: address) else { return false }
        if bytes.count == 16, base.count == 4, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            bytes = Array(bytes[12...])
        }
        return bytes.count == base.count && Self.masked(bytes, prefixLength: prefixLength) == base
    }

    /// Whether `text` is a textual IPv4 or IPv6 address.
    package static func isAddress(_ text: String) -> Bool { bytes(of: text) != nil }

    /// What lockouts and rate limits count a client by: an IPv4 address as it is (IPv4-mapped IPv6 included), an IPv6
    /// address by its /64, the smallest network one host or one site is normally given, so that rotating through the
    /// addresses of one's own /64 does not buy fresh attempts. Anything that is no address comes back unchanged.
    ///
    /// ```swift
    /// IPNetwork.clientKey(for: "2001:db8:1:2:aaaa::9")   // "2001:db8:1:2::/64"
    /// IPNetwork.clientKey(for: "::ffff:203.0.113.9")     // "203.0.113.9"
    /// ```
    package static func clientKey(for address: String) -> String {
        guard let bytes = bytes(of: address) else { return address }
        if bytes.count == 4 { return address }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        var network = in6_addr()
        withUnsafeMutableBytes(of: &network) { raw in
            for index in 0..<8 { raw[index] = bytes[index] }
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &network, &text, socklen_t(text.count)) != nil else { return address }
        return String(cString: text) + "/64"
    }

    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func masked(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = min(8, max(0, prefixLength - index * 8))
            return kept == 0 ? 0 : byte & ~UInt8(truncatingIfNeeded: (1 << (8 - kept)) - 1)
        }
    }
}

package struct IPNetworkError: Error, Sendable, CustomStringConvertible {
    package let text: String
    package let reason: String
    package var description: String { "'\(text)': \(reason)" }
}

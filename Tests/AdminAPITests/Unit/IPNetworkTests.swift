import AdminAPI
import Foundation
import Testing

@Suite("Address ranges for NOMALY_TRUSTED_PROXIES")
struct IPNetworkTests {
    @Test("IPv4 and IPv6 ranges and single addresses match what they should, and only that")
    func matching() throws {
        let private10 = try IPNetwork(parsing: "10.0.0.0/8")
        #expect(private10.contains("10.255.1.2"))
        #expect(!private10.contains("11.0.0.1"))
        #expect(private10.contains("::ffff:10.1.2.3"), "dual-stack sockets report IPv4 peers as mapped IPv6")
        #expect(!private10.contains("fd00::1"))
        #expect(!private10.contains("not an address"))
        let docker = try IPNetwork(parsing: "172.16.0.0/12")
        #expect(docker.contains("172.31.255.255"))
        #expect(!docker.contains("172.32.0.0"))
        let single = try IPNetwork(parsing: "192.0.2.7")
        #expect(single.contains("192.0.2.7"))
        #expect(!single.contains("192.0.2.8"))
        let ula = try IPNetwork(parsing: "fd00::/8")
        #expect(ula.contains("fd12:3456::1"))
        #expect(!ula.contains("fe80::1"))
        #expect(try IPNetwork(parsing: "0.0.0.0/0").contains("8.8.8.8"))
        #expect(try IPNetwork(parsing: "2001:db8::/33").contains("2001:db8:7fff::1"))
        #expect(try !IPNetwork(parsing: "2001:db8::/33").contains("2001:db8:8000::1"))
    }

    @Test("malformed ranges are refused with the reason")
    func malformed() {
        for text in ["10.0.0.0/33", "10.0.0/8", "fd00::/129", "nginx", "10.0.0.0/x", ""] {
            #expect(throws: IPNetworkError.self, "\(text)") { try IPNetwork(parsing: text) }
        }
    }

    @Test(
        "clients are counted by IPv4 address or by IPv6 /64",
        arguments: [
            ("203.0.113.9", "203.0.113.9"),
            ("::ffff:203.0.113.9", "203.0.113.9"),
            ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
            ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("::1", "::/64"),
            ("unknown", "unknown"),
        ]
    )
    func clientKey(address: String, key: String) {
        #expect(IPNetwork.clientKey(for: address) == key)
    }
}

import Testing
import Units

@Suite("Durations and sizes in operator notation")
struct UnitsTests {
    @Test(
        "durations in operator notation",
        arguments: [
            ("90s", Duration.seconds(90)), ("15m", .seconds(900)), ("1h30m", .seconds(5400)), ("500ms", .milliseconds(500)),
            ("2d", .seconds(172_800)), ("2.5", .milliseconds(2500)),
        ]
    )
    func durations(text: String, expected: Duration) {
        #expect(parseDuration(text) == expected)
    }

    @Test(
        "malformed or absurd durations are refused",
        arguments: ["", "ten", "5x", "-3s", "1h-5m", "s", "1e300", "inf", "99999999999999999d", "5000000000000h"]
    )
    func badDurations(text: String) {
        #expect(parseDuration(text) == nil)
    }

    @Test(
        "sizes in binary and decimal units",
        arguments: [
            ("512", Int64(512)), ("64KiB", 65_536), ("64MiB", 67_108_864), ("2GiB", 2_147_483_648), ("16 MiB", 16_777_216),
            ("1.5k", 1536), ("64MB", 64_000_000), ("1tb", 1_000_000_000_000), ("8G", 8_589_934_592),
        ]
    )
    func sizes(text: String, expected: Int64) {
        #expect(parseByteSize(text) == expected)
    }

    @Test("malformed sizes are refused", arguments: ["", "MiB", "-1MiB", "12 parsecs", "1e400"])
    func badSizes(text: String) {
        #expect(parseByteSize(text) == nil)
    }
}

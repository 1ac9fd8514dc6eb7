import Testing

@testable import Datasets

@Suite("Float parsing: correctly rounded, compared with Double(String)")
struct FloatParserTests {
    func parsed(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { FloatParser.parse($0) }
    }

    /// Same value, bit for bit (so -0.0 and 0.0 differ).
    func expectSame(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = Double(text)
        let actual = parsed(text)
        #expect(
            actual?.bitPattern == expected?.bitPattern,
            "\(text): \(String(describing: actual)) ≠ \(String(describing: expected))",
            sourceLocation: sourceLocation
        )
    }

    @Test(
        "edge cases",
        arguments: [
            "0", "-0", "+0", "0.0", "-0.0", "00000", "1", "+1", "-1", ".5", "-.5", "+.5", "5.", "-5.", "5.e3", ".5e-3",
            "1e0", "1E5", "1e+5", "1e-5", "1e22", "1e23", "1e-22", "1e-23", "1e27", "1e-27", "1e28", "1e-28",
            "0.1", "0.2", "0.3", "0.30000000000000004", "3.141592653589793", "2.718281828459045",
            "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
            "18446744073709551615", "18446744073709551616", "9999999999999999999", "99999999999999999999",
            "1234567890123456789", "12345678901234567890", "123456789012345678901234567890",
            "3.14159265358979323846264338327950288", "0.000000000000000000000000000001",
            "1e-320", "4.9e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400",
            "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623158e308",
            "1.7976931348623159e308", "1e308", "1e309", "1e400", "-1e400",
            "1.0000000000000002", "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
            "-1.0856306033005612", "0.5488135039273248", "7.450580596923828125e-9", "1.2345678901234567e-10",
            "123456789.123456789e-20", "0.9999999999999999", "0.99999999999999999", "1.5e00000000000000000000003",
            "1e-99999999999999999999", "1e99999999999999999999", "000000000000000000000000001.5",
            "0.000000000000000000000000000000000000000000001e45",
        ]
    )
    func edgeCases(_ text: String) {
        expectSame(text)
    }

    @Test(
        "not numbers: hex, words, dangling signs and exponents",
        arguments: [
            "0x1p3", "0x10", "inf", "nan", "Infinity", "1e", "1e+", "1e-", "--1", "+-1", ".", "-.", "", "1.2.3", " 1", "1 ", "1,5", "e5", "1_000",
        ]
    )
    func refused(_ text: String) {
        #expect(parsed(text) == nil)
    }

    @Test("shortest representations of random doubles round-trip exactly")
    func randomDoubles() {
        var random = SeededGenerator(state: 1)
        for _ in 0..<50_000 {
            let value = Double(bitPattern: random.next())
            guard value.isFinite else { continue }
            expectSame(value.description)
            expectSame((value / 1e10).description)
        }
        for _ in 0..<20_000 {
            // The kinds of numbers data files hold: normal-ish magnitudes with every digit count.
            let value =
                Double.random(in: -1_000...1_000, using: &random)
                * Double(sign: .plus, exponent: Int.random(in: -40...40, using: &random), significand: 1)
            expectSame(value.description)
        }
    }

    @Test("random digit strings, including long mantissas and extreme exponents")
    func randomDigitStrings() {
        var random = SeededGenerator(state: 2)
        let digits = Array("0123456789")
        for _ in 0..<60_000 {
            var text = ""
            if Bool.random(using: &random) { text += ["-", "+"].randomElement(using: &random)! }
            let integerDigits = Int.random(in: 0...22, using: &random)
            let fractionDigits = Int.random(in: 0...22, using: &random)
            text += String((0..<integerDigits).map { _ in digits.randomElement(using: &random)! })
            if fractionDigits > 0 || integerDigits == 0 {
                text += "." + String((0..<max(1, fractionDigits)).map { _ in digits.randomElement(using: &random)! })
            }
            switch Int.random(in: 0..<4, using: &random) {
            case 0: break
            case 1: text += "e\(Int.random(in: -30...30, using: &random))"
            case 2: text += "E\(Int.random(in: -340...320, using: &random))"
            default: text += "e+\(Int.random(in: 0...25, using: &random))"
            }
            expectSame(text)
        }
    }

    @Test("halfway cases between adjacent doubles round to even")
    func halfwayCases() {
        var random = SeededGenerator(state: 3)
        for _ in 0..<5_000 {
            // An integer mantissa of 54 significant bits with the last one set lies exactly between two doubles.
            let mantissa = (UInt64(1) << 53) | (random.next() & ((1 << 53) - 1)) | 1
            let text = String(mantissa)
            expectSame(text)
            expectSame(text + "e-5")
            expectSame(text + "0e-20")
        }
    }

    @Test("the exact 128-bit path agrees with the fast path where both apply")
    func exactPathAgrees() {
        var random = SeededGenerator(state: 4)
        for _ in 0..<10_000 {
            let mantissa = random.next() >> 11 | 1
            let exponent = Int.random(in: -22...22, using: &random)
            let fast =
                exponent < 0 ? Double(mantissa) / FloatParser.exactPowersOfTen[-exponent] : Double(mantissa) * FloatParser.exactPowersOfTen[exponent]
            #expect(FloatParser.exactProduct(mantissa, exponent) == fast, "\(mantissa)e\(exponent)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decimal text to `Double`, correctly rounded, straight from raw bytes.
///
/// Numbers are the bulk of every CSV we read, and `Double(String)` would cost a String per cell. The
/// digits are gathered (eight at a time where possible) into a 64-bit integer `w` and a power of ten `q`
/// (value = w × 10^q), then:
/// 1. when `w` ≤ 2^53 and |q| ≤ 22, both `w` and 10^|q| are exact doubles and one IEEE multiply or divide
///    rounds correctly (Clinger's fast path);
/// 2. when |q| ≤ 27, 5^|q| fits in 64 bits, so w × 10^q is computed exactly in 128-bit integers and rounded
///    once; this covers the 17-digit shortest representations that Python, pandas and Postgres write;
/// 3. anything else (more than 19 significant digits, huge or tiny exponents) goes to `strtod` in the C
///    locale, which is slow but exact.
///
/// Accepted: `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`. No hex, no `inf` or `nan`
/// (the caller decides what those mean), no surrounding spaces.
enum FloatParser {
    /// Parses the longest number at `start`, stopping at the first byte that cannot continue it.
    ///
    /// - Returns: the value (infinite when a finite-looking number overflows) and where the number ended,
    ///   or nil when no digits were found.
    @inline(__always)
    static func scan(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> (value: Double, next: UnsafePointer<UInt8>)? {
        var cursor = start
        var negative = false
        if cursor < end {
            if cursor.pointee == UInt8(ascii: "-") {
                negative = true
                cursor += 1
            } else if cursor.pointee == UInt8(ascii: "+") {
                cursor += 1
            }
        }
        // Digits accumulate with wrapping arithmetic and are counted from pointer distances; only when there
        // are more than 19 of them can the mantissa have overflowed, which is checked once at the end.
        let digitsStart = cursor
        var mantissa: UInt64 = 0
        accumulateDigits(&cursor, end, &mantissa)
        let integerDigits = cursor - digitsStart
        var fractionDigits = 0
        if cursor < end, cursor.pointee == UInt8(ascii: ".") {
            cursor += 1
            let fractionStart = cursor
            accumulateDigits(&cursor, end, &mantissa)
            fractionDigits = cursor - fractionStart
        }
        let digitCount = integerDigits + fractionDigits
        guard digitCount > 0 else { return nil }
        let digitsEnd = cursor
        var exponent = -fractionDigits
        if cursor < end, cursor.pointee | 0x20 == UInt8(ascii: "e") {
            var probe = cursor + 1
            var exponentNegative = false
            if probe < end, probe.pointee == UInt8(ascii: "-") || probe.pointee == UInt8(ascii: "+") {
                exponentNegative = probe.pointee == UInt8(ascii: "-")
                probe += 1
            }
            var written = 0
            let exponentStart = probe
            while probe < end {
                let digit = probe.pointee &- UInt8(ascii: "0")
                if digit >= 10 { break }
                // Saturate: any exponent this large already means zero or infinity.
                if written < 1_000_000 { written = written * 10 + Int(digit) }
                probe += 1
            }
            // "1e" or "1e+" is not a number with an exponent; leave the "e" for the caller to reject.
            if probe > exponentStart {
                exponent += exponentNegative ? -written : written
                cursor = probe
            }
        }
        if digitCount > 19 {
            // Leading zeros carry no value; beyond them, more than 19 digits do not fit in 64 bits.
            var probe = digitsStart
            var leadingZeros = 0
            while probe < digitsEnd, probe.pointee == UInt8(ascii: "0") || probe.pointee == UInt8(ascii: ".") {
                if probe.pointee == UInt8(ascii: "0") { leadingZeros += 1 }
                probe += 1
            }
            if digitCount - leadingZeros > 19 { return (strtodFallback(start, cursor), cursor) }
        }
        let magnitude: Double
        if mantissa == 0 {
            magnitude = 0
        } else if mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            magnitude = exponent < 0 ? Double(mantissa) / exactPowersOfTen[-exponent] : Double(mantissa) * exactPowersOfTen[exponent]
        } else if exponent >= -27 && exponent <= 27 {
            magnitude = exactProduct(mantissa, exponent)
        } else {
            return (strtodFallback(start, cursor), cursor)
        }
        return (negative ? -magnitude : magnitude, cursor)
    }

    /// Appends the digits at `cursor` to `mantissa` (wrapping on overflow), eight at a time while it can.
    @inline(__always)
    static func accumulateDigits(_ cursor: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ mantissa: inout UInt64) {
        while end - cursor >= 8 {
            let word = loadEight(cursor)
            guard areEightDigits(word) else { break }
            mantissa = mantissa &* 100_000_000 &+ eightDigitsValue(word)
            cursor += 8
        }
        while cursor < end {
            let digit = cursor.pointee &- UInt8(ascii: "0")
            if digit >= 10 { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            cursor += 1
        }
    }

    /// Parses all of `bytes` as one number; nil unless every byte belongs to it.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        guard let (value, next) = scan(base, base + bytes.count), next == base + bytes.count else { return nil }
        return value
    }

    /// Eight bytes with the first in the lowest byte, whatever the machine's byte order.
    @inline(__always)
    static func loadEight(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    /// Whether all eight bytes are ASCII digits: each high nibble is 3, also after adding 6 (which
    /// carries into the high nibble for ':' and above).
    @inline(__always)
    static func areEightDigits(_ word: UInt64) -> Bool {
        let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        return (word & highNibbles) | (((word &+ 0x0606_0606_0606_0606) & highNibbles) >> 4) == 0x3333_3333_3333_3333
    }

    /// The number eight ASCII digits spell, first digit most significant, in three multiplications:
    /// neighbouring digits are paired into two-digit values, then the four pairs are weighted and summed
    /// in the upper half of a 64-bit product.
    @inline(__always)
    static func eightDigitsValue(_ word: UInt64) -> UInt64 {
        var value = word &- 0x3030_3030_3030_3030
        value = value &* 10 &+ (value >> 8)
        let pairs: UInt64 = 0x0000_00FF_0000_00FF
        let first = (value & pairs) &* (100 &+ (1_000_000 << 32))
        let second = ((value >> 16) & pairs) &* (1 &+ (10_000 << 32))
        return (first &+ second) >> 32
    }

    /// w × 10^q rounded once, for w > 0 and |q| ≤ 27, where 5^|q| < 2^64.
    static func exactProduct(_ mantissa: UInt64, _ exponent: Int) -> Double {
        if exponent >= 0 {
            let product = mantissa.multipliedFullWidth(by: powersOfFive[exponent])
            return roundToDouble(high: product.high, low: product.low, sticky: false, scale: exponent)
        }
        // w / (5^k × 2^k): shift w to the top of 64 bits so the 128-bit quotient keeps at least 63 bits, and
        // remember whether anything was left over so ties round correctly.
        let divisor = powersOfFive[-exponent]
        let shift = mantissa.leadingZeroBitCount
        let numerator = mantissa << shift
        let (high, rest) = numerator.quotientAndRemainder(dividingBy: divisor)
        let (low, remainder) = divisor.dividingFullWidth((high: rest, low: 0))
        return roundToDouble(high: high, low: low, sticky: remainder != 0, scale: exponent - 64 - shift)
    }

    /// (high × 2^64 + low + a fraction if `sticky`) × 2^scale, rounded to nearest, ties to even.
    /// The result must be a normal double, which holds for every input `exactProduct` sees.
    static func roundToDouble(high: UInt64, low: UInt64, sticky: Bool, scale: Int) -> Double {
        var top: UInt64
        var inexact = sticky
        var binaryExponent: Int
        if high != 0 {
            let shift = high.leadingZeroBitCount
            top = shift == 0 ? high : (high << shift) | (low >> (64 - shift))
            inexact = inexact || (shift == 0 ? low : low << shift) != 0
            binaryExponent = scale + 64 - shift
        } else {
            let shift = low.leadingZeroBitCount
            top = low << shift
            binaryExponent = scale - shift
        }
        // `top` has its highest bit set; keep 53 bits and round on the 11 below.
        var significand = top >> 11
        let dropped = top & 0x7FF
        if dropped > 0x400 || (dropped == 0x400 && (inexact || significand & 1 == 1)) {
            significand += 1
            if significand == 1 << 53 {
                significand >>= 1
                binaryExponent += 1
            }
        }
        // significand × 2^(binaryExponent + 11), with significand in [2^52, 2^53): assemble the bits directly.
        let biased = UInt64(binaryExponent + 11 + 52 + 1023)
        return Double(bitPattern: biased << 52 | (significand & ((1 << 52) - 1)))
    }

    @inline(never)
    static func strtodFallback(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Double {
        let count = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
            start.withMemoryRebound(to: CChar.self, capacity: count) { source in
                buffer.baseAddress!.update(from: source, count: count)
            }
            buffer[count] = 0
            guard let cLocale else { return strtod(buffer.baseAddress!, nil) }
            let previous = uselocale(cLocale)
            defer { uselocale(previous) }
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// The C locale's number format, so a process that called `setlocale` for a decimal comma still reads
    /// "1.5" correctly; `uselocale` switches only the calling thread.
    nonisolated(unsafe) static let cLocale = newlocale(LC_NUMERIC_MASK, "C", nil)

    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static let powersOfFive: [UInt64] = [
        1, 5, 25, 125,
        625, 3_125, 15_625, 78_125,
        390_625, 1_953_125, 9_765_625, 48_828_125,
        244_140_625, 1_220_703_125, 6_103_515_625, 30_517_578_125,
        152_587_890_625, 762_939_453_125, 3_814_697_265_625, 19_073_486_328_125,
        95_367_431_640_625, 476_837_158_203_125, 2_384_185_791_015_625, 11_920_928_955_078_125,
        59_604_644_775_390_625, 298_023_223_876_953_125, 1_490_116_119_384_765_625, 7_450_580_596_923_828_125,
    ]
}

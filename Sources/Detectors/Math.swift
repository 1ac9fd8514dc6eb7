#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The standard library has no logarithms or powers; these wrap the C library's so the rest of the module
// needs no platform conditionals.

/// The natural logarithm.
func naturalLog(_ x: Double) -> Double { log(x) }

/// 2 raised to `x`.
func powerOfTwo(_ x: Double) -> Double { exp2(x) }

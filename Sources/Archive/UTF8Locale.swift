import Foundation

/// Runs `body` with the calling thread's character type locale set to C.UTF-8.
///
/// libarchive converts entry names through the current locale; in the default "C" locale a name such as
/// `naïve.txt` cannot be converted, and its pax writer then crashes on the missing name. `uselocale`
/// changes only this thread, so nothing else in the process is affected.
func withUTF8Locale<Result>(_ body: () throws -> Result) rethrows -> Result {
    guard let utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return try body() }
    let previous = uselocale(utf8)
    defer {
        uselocale(previous)
        freelocale(utf8)
    }
    return try body()
}

internal import CPostgres
import Foundation

extension PostgresConfiguration {
    /// The connection string with any password replaced, safe for logs and `nomaly check`.
    package var redactedConnectionString: String {
        guard let connectionString else { return "(libpq environment)" }
        return Self.redact(connectionString)
    }

    /// The libpq keywords whose values are secrets: the server password and the client key's passphrase.
    static let secretKeywords: Set<String> = ["password", "sslpassword"]

    /// A connection string (URI or conninfo) with every password replaced by `***`, for logs and `nomaly check`.
    ///
    /// Passwords are found the way libpq's own parsers read them, not by splitting on spaces: conninfo values may be
    /// quoted (`password='two words'`, `\'` escapes) and may have spaces around `=`; a URI's password runs to the last
    /// `@` before the query, so an unencoded `@`, space, `/` or `%` in it is hidden whole. When the text cannot be
    /// parsed, everything from the first doubtful point on is hidden rather than guessed.
    ///
    /// ```swift
    /// PostgresConfiguration.redact("host=db password='p w' user=a")   // host=db password=*** user=a
    /// PostgresConfiguration.redact("postgresql://u:p@ss@db/n")         // postgresql://u:***@db/n
    /// ```
    package static func redact(_ text: String) -> String {
        if let schemeEnd = text.range(of: "://"), text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            return redactURI(text, afterScheme: schemeEnd.upperBound)
        }
        return redactConninfo(text)
    }

    /// Works on Unicode scalars, as libpq works on bytes: a combining mark after `@` or `:` must not hide the
    /// separator from us while libpq still sees it.
    private static func redactURI(_ text: String, afterScheme: String.Index) -> String {
        let rest = text.unicodeScalars[afterScheme...]
        var result = String(text.unicodeScalars[..<afterScheme])
        var remainder = rest
        if let at = credentialsEnd(rest) {
            let userinfo = rest[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                result += String(userinfo[..<colon]) + ":***"
            } else {
                result += String(userinfo)
            }
            remainder = rest[at...]
        }
        guard let question = remainder.firstIndex(of: "?") else { return result + String(remainder) }
        let query = remainder[remainder.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { item in
            let key = String(item.prefix { $0 != "=" })
            let decoded = key.removingPercentEncoding?.lowercased() ?? key.lowercased()
            return secretKeywords.contains(decoded) ? key + "=***" : String(item)
        }
        return result + String(remainder[...question]) + query.joined(separator: "&")
    }

    /// Where a URI's `user:password` ends: the last `@` before the query. A password holding an unencoded `?` puts
    /// its `@` after that point; it is still taken for credentials when what precedes it reads `user:secret`
    /// (no `/` in the user, no `=` in the secret, which a query parameter would have).
    private static func credentialsEnd(_ rest: Substring.UnicodeScalarView) -> String.Index? {
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        if let at = rest[..<queryStart].lastIndex(of: "@") { return at }
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return nil }
        let user = rest[..<colon]
        let secret = rest[rest.index(after: colon)..<at]
        return !user.contains("/") && !secret.contains("=") ? at : nil
    }

    /// Walks conninfo as libpq's `conninfo_parse` does: `keyword = value` pairs separated by whitespace, values bare
    /// (backslash escapes the next character) or single-quoted (with `\'` and `\\`). Whitespace is what C's `isspace`
    /// says in libpq's C locale — ASCII space, tab and line breaks, never a no-break space, which libpq keeps inside a
    /// value — and the walk is over Unicode scalars, so `\r\n` counts as the two characters libpq sees.
    private static func redactConninfo(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"].contains(scalar) }
        func skipSpaces() {
            while index < scalars.count, isSpace(scalars[index]) {
                result.append(scalars[index])
                index += 1
            }
        }
        func hidden() -> String { String(result) + "***" }
        while true {
            skipSpaces()
            guard index < scalars.count else { return String(result) }
            let keywordStart = index
            while index < scalars.count, !isSpace(scalars[index]), scalars[index] != "=" { index += 1 }
            let keyword = String(String.UnicodeScalarView(scalars[keywordStart..<index]))
            result.append(contentsOf: scalars[keywordStart..<index])
            skipSpaces()
            // libpq refuses a keyword without `=`: hide the rest, since we cannot tell what it holds.
            guard index < scalars.count, scalars[index] == "=" else { return index < scalars.count ? hidden() : String(result) }
            result.append("=")
            index += 1
            skipSpaces()
            let valueStart = index
            if index < scalars.count, scalars[index] == "'" {
                index += 1
                var closed = false
                while index < scalars.count {
                    if scalars[index] == "\\" {
                        index += 2
                        continue
                    }
                    if scalars[index] == "'" {
                        closed = true
                        index += 1
                        break
                    }
                    index += 1
                }
                // An unterminated quote makes libpq refuse the string; what follows may hold a password.
                guard closed else { return hidden() }
            } else {
                while index < scalars.count, !isSpace(scalars[index]) {
                    index += scalars[index] == "\\" ? 2 : 1
                }
            }
            index = min(index, scalars.count)
            if secretKeywords.contains(keyword.lowercased()) {
                result.append(contentsOf: "***".unicodeScalars)
            } else {
                result.append(contentsOf: scalars[valueStart..<index])
            }
        }
    }

    /// The password and SSL key passphrase libpq itself reads from `text` (URIs percent-decoded), for tests that
    /// check ``redact(_:)`` against libpq's parser; empty when libpq cannot parse the text.
    package static func libpqSecrets(_ text: String) -> [String] {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &message) else {
            if let message { PQfreemem(message) }
            return []
        }
        defer { PQconninfoFree(options) }
        var secrets: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if secretKeywords.contains(String(cString: keyword)), let value = option.pointee.val {
                secrets.append(String(cString: value))
            }
            option += 1
        }
        return secrets
    }
}

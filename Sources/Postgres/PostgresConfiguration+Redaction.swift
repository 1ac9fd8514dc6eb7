internal import CPostgres
import Foundation

extension PostgresConfiguration {
    /// The connection string with any password replaced, safe for logs and `nomaly check`.
    public var redactedConnectionString: String {
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
    public static func redact(_ text: String) -> String {
        if let schemeEnd = text.range(of: "://"), text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            return redactURI(text, afterScheme: schemeEnd.upperBound)
        }
        return redactConninfo(text)
    }

    private static func redactURI(_ text: String, afterScheme: String.Index) -> String {
        let rest = text[afterScheme...]
        var result = String(text[..<afterScheme])
        var remainder = rest
        if let at = credentialsEnd(rest) {
            let userinfo = rest[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                result += userinfo[..<colon] + ":***"
            } else {
                result += userinfo
            }
            remainder = rest[at...]
        }
        guard let question = remainder.firstIndex(of: "?") else { return result + remainder }
        let query = remainder[remainder.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { item in
            let key = item.prefix { $0 != "=" }
            let decoded = String(key).removingPercentEncoding?.lowercased() ?? key.lowercased()
            return secretKeywords.contains(decoded) ? key + "=***" : String(item)
        }
        return result + remainder[...question] + query.joined(separator: "&")
    }

    /// Where a URI's `user:password` ends: the last `@` before the query. A password holding an unencoded `?` puts
    /// its `@` after that point; it is still taken for credentials when what precedes it reads `user:secret`
    /// (no `/` in the user, no `=` in the secret, which a query parameter would have).
    private static func credentialsEnd(_ rest: Substring) -> Substring.Index? {
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        if let at = rest[..<queryStart].lastIndex(of: "@") { return at }
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return nil }
        let user = rest[..<colon]
        let secret = rest[rest.index(after: colon)..<at]
        return !user.contains("/") && !secret.contains("=") ? at : nil
    }

    /// Walks conninfo as libpq's `conninfo_parse` does: `keyword = value` pairs separated by whitespace, values bare
    /// (backslash escapes the next character) or single-quoted (with `\'` and `\\`).
    private static func redactConninfo(_ text: String) -> String {
        let characters = Array(text)
        var result = ""
        var index = 0
        func skipSpaces() {
            while index < characters.count, characters[index].isWhitespace {
                result.append(characters[index])
                index += 1
            }
        }
        while true {
            skipSpaces()
            guard index < characters.count else { return result }
            let keywordStart = index
            while index < characters.count, !characters[index].isWhitespace, characters[index] != "=" { index += 1 }
            let keyword = String(characters[keywordStart..<index])
            result += keyword
            skipSpaces()
            // libpq refuses a keyword without `=`: hide the rest, since we cannot tell what it holds.
            guard index < characters.count, characters[index] == "=" else { return index < characters.count ? result + "***" : result }
            result.append("=")
            index += 1
            skipSpaces()
            let valueStart = index
            if index < characters.count, characters[index] == "'" {
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "\\" {
                        index += 2
                        continue
                    }
                    if characters[index] == "'" {
                        closed = true
                        index += 1
                        break
                    }
                    index += 1
                }
                // An unterminated quote makes libpq refuse the string; what follows may hold a password.
                guard closed else { return result + "***" }
            } else {
                while index < characters.count, !characters[index].isWhitespace {
                    index += characters[index] == "\\" ? 2 : 1
                }
            }
            index = min(index, characters.count)
            result += secretKeywords.contains(keyword.lowercased()) ? "***" : String(characters[valueStart..<index])
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

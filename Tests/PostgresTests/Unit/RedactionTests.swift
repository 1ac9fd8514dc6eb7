import Postgres
import Testing

@Suite("Connection strings are redacted as libpq reads them")
struct RedactionTests {
    /// (connection string, expected redaction). Every password here is distinctive, so the check against libpq's
    /// own parser below cannot pass by accident.
    static let cases: [(String, String)] = [
        ("postgresql://nomaly:hunter2@db:5432/nomaly", "postgresql://nomaly:***@db:5432/nomaly"),
        ("postgres://nomaly:hunter2@db/nomaly", "postgres://nomaly:***@db/nomaly"),
        ("postgresql://nomaly@db/nomaly?sslmode=require", "postgresql://nomaly@db/nomaly?sslmode=require"),
        ("postgresql://db/nomaly?user=a&password=hunter2", "postgresql://db/nomaly?user=a&password=***"),
        ("postgresql://db/nomaly?PASSWORD=hunter2&sslmode=verify-full", "postgresql://db/nomaly?PASSWORD=***&sslmode=verify-full"),
        ("postgresql://db/nomaly?sslpassword=keyphrase9&sslkey=/k", "postgresql://db/nomaly?sslpassword=***&sslkey=/k"),
        ("postgresql://db/nomaly?pass%77ord=hunter2", "postgresql://db/nomaly?pass%77ord=***"),
        // An unencoded @ in the password: the credentials run to the last @ before the query.
        ("postgresql://nomaly:s3cr@t!x@db/nomaly", "postgresql://nomaly:***@db/nomaly"),
        // A combining mark after the separator joins it into one Swift Character, not into one libpq byte.
        ("postgresql://nomaly:hunter2@\u{301}db/nomaly", "postgresql://nomaly:***@\u{301}db/nomaly"),
        ("postgresql://nomaly:hun@\u{301}ter2@db/nomaly", "postgresql://nomaly:***@db/nomaly"),
        // Spaces and percent signs, encoded or not.
        ("postgresql://nomaly:two words here@db/nomaly", "postgresql://nomaly:***@db/nomaly"),
        ("postgresql://nomaly:50%25off%40now@db/nomaly", "postgresql://nomaly:***@db/nomaly"),
        ("postgresql://nomaly:100%pure@db/nomaly", "postgresql://nomaly:***@db/nomaly"),
        ("postgresql://nomaly:sl/ash@db/nomaly", "postgresql://nomaly:***@db/nomaly"),
        ("postgresql://nomaly:q?mark@db/nomaly", "postgresql://nomaly:***@db/nomaly"),
        (
            "postgresql://u:hunter2@h1:5432,h2:5433/n?target_session_attrs=read-write",
            "postgresql://u:***@h1:5432,h2:5433/n?target_session_attrs=read-write"
        ),
        // An @ in the query is not a credential separator.
        ("postgresql://db:5432/nomaly?user=me@corp", "postgresql://db:5432/nomaly?user=me@corp"),
        // conninfo: bare, quoted with escapes, spaces around =, any case, both secrets.
        ("host=db password=hunter2 user=a", "host=db password=*** user=a"),
        ("host=db password='two words' user=a", "host=db password=*** user=a"),
        ("host=db password = 'it\\'s secret' user=a", "host=db password = *** user=a"),
        ("host=db PASSWORD=hunter2", "host=db PASSWORD=***"),
        ("host=db password=back\\ slash", "host=db password=***"),
        ("host='/var/run/postgresql' dbname=n sslpassword='keyphrase9'", "host='/var/run/postgresql' dbname=n sslpassword=***"),
        ("dbname = 'a b' user=x password=p@ss%word", "dbname = 'a b' user=x password=***"),
        // libpq splits on ASCII whitespace only: a no-break space belongs to the password.
        ("host=db password=abc\u{00A0}tailsecret user=x", "host=db password=*** user=x"),
        ("host=db\r\npassword=hunter2\tuser=x", "host=db\r\npassword=***\tuser=x"),
        // Text libpq refuses: everything from the doubtful point is hidden.
        ("host=db password='unterminated secret", "host=db password=***"),
        ("host=db password hunter2", "host=db password ***"),
    ]

    @Test("table: URIs and conninfo", arguments: cases)
    func redaction(text: String, expected: String) {
        #expect(PostgresConfiguration.redact(text) == expected)
    }

    @Test("no password libpq would send survives redaction", arguments: cases)
    func libpqAgrees(text: String, expected: String) {
        let redacted = PostgresConfiguration.redact(text)
        for secret in PostgresConfiguration.libpqSecrets(text) where !secret.isEmpty {
            #expect(!redacted.contains(secret), "libpq reads the secret '\(secret)' from \(text)")
        }
    }

    @Test("the oracle works: libpq's parser finds the passwords of plain strings")
    func oracle() {
        #expect(PostgresConfiguration.libpqSecrets("host=db password='two words'") == ["two words"])
        #expect(PostgresConfiguration.libpqSecrets("postgresql://u:50%25off@db/n") == ["50%off"])
    }
}

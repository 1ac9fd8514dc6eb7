import Foundation
import Postgres
import Settings
import TestSupport
import Testing

/// The files the database settings name for libpq, opened for `nomaly check`: each problem named by the setting that
/// names the file, `DATABASE_URL` or the `PG*` variable.
@Suite("Files named for libpq (CA, client certificate and key, CRL, password file) are opened by nomaly check")
struct LibpqFileTests {
    static let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    func problems(_ variables: [String: String]) -> [String] {
        let environment = Environment(variables)
        var reader = SettingsReader(environment, workingDirectory: "/")
        let settings = PostgresSettings(reader: &reader)
        return settings.fileProblems(environment: environment).map { "\($0.variable): \($0.message)" }
    }

    @Test("usable files, sslrootcert=system and no files at all pass")
    func usable() throws {
        let folder = try TemporaryFolder("nomaly-libpq")
        let ca = try folder.file("ca.crt", Self.certificate)
        let key = try folder.file("client.key", "-----BEGIN PRIVATE KEY-----\n")
        chmod(key, 0o600)
        let url = "postgresql://db/nomaly?sslmode=verify-full&sslrootcert=\(ca)&sslcert=\(ca)&sslkey=\(key)"
        #expect(problems(["DATABASE_URL": url]).isEmpty)
        #expect(problems(["DATABASE_URL": "postgresql://db/nomaly?sslmode=verify-full&sslrootcert=system"]).isEmpty)
        #expect(problems(["DATABASE_URL": "postgresql://db/nomaly"]).isEmpty)
        #expect(problems([:]).isEmpty)
    }

    @Test("a missing CA in DATABASE_URL, a CA without PEM in PGSSLROOTCERT, a folder as the client certificate")
    func unusableCertificates() throws {
        let folder = try TemporaryFolder("nomaly-libpq")
        let junk = try folder.file("junk.crt", "not a certificate")
        #expect(
            problems(["DATABASE_URL": "postgresql://db/nomaly?sslrootcert=/nonexistent/ca.crt"])
                == ["DATABASE_URL: sslrootcert /nonexistent/ca.crt cannot be opened: No such file or directory"]
        )
        #expect(problems(["PGHOST": "db", "PGSSLROOTCERT": junk]) == ["PGSSLROOTCERT: sslrootcert \(junk) holds no PEM certificate"])
        #expect(problems(["PGHOST": "db", "PGSSLCERT": folder.path]) == ["PGSSLCERT: sslcert \(folder.path) is a folder, not a file"])
        #expect(problems(["PGHOST": "db", "PGSSLCRL": junk]) == ["PGSSLCRL: sslcrl \(junk) holds no PEM x509 crl"])
    }

    @Test("the connection string's file wins over the PG* variable, as libpq takes it")
    func stringWins() throws {
        let folder = try TemporaryFolder("nomaly-libpq")
        let ca = try folder.file("ca.crt", Self.certificate)
        let junk = try folder.file("junk.crt", "not a certificate")
        #expect(problems(["DATABASE_URL": "postgresql://db/nomaly?sslrootcert=\(ca)", "PGSSLROOTCERT": junk]).isEmpty)
        #expect(problems(["DATABASE_URL": "postgresql://db/nomaly?sslrootcert=\(junk)", "PGSSLROOTCERT": ca]).count == 1)
    }

    @Test("a client key or password file others may read is reported, as libpq refuses or ignores it")
    func permissions() throws {
        let folder = try TemporaryFolder("nomaly-libpq")
        let key = try folder.file("client.key", "-----BEGIN PRIVATE KEY-----\n")
        chmod(key, 0o644)
        let passfile = try folder.file("pgpass", "db:5432:nomaly:nomaly:secret\n")
        chmod(passfile, 0o644)
        let empty = try folder.file("empty.key", "")
        chmod(empty, 0o600)
        let found = problems(["DATABASE_URL": "host=db sslkey=\(key) passfile=\(passfile)", "PGSSLKEY": empty])
        #expect(found.count == 2, "\(found)")
        #expect(found.contains("DATABASE_URL: sslkey \(key) may be read by others (mode 644): libpq refuses it; chmod 0600 it"), "\(found)")
        #expect(found.contains("DATABASE_URL: passfile \(passfile) may be read by others (mode 644): libpq ignores it; chmod 0600 it"), "\(found)")
        #expect(problems(["PGHOST": "db", "PGSSLKEY": empty]) == ["PGSSLKEY: sslkey \(empty) is empty"])
    }
}

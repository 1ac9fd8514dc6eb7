import AdminAPI
import Settings
import TestSupport
import Testing

/// Reading `NOMALY_TLS_CERT` and `NOMALY_TLS_KEY` opens and parses both files, as `nomaly serve` will: `nomaly check`
/// used to call a file without PEM "configuration OK", and serve then failed.
@Suite("TLS settings: the certificate and key files are parsed when the settings are read")
struct TLSSettingsTests {
    /// A self-signed certificate and its key, and a second key of another certificate.
    struct Files {
        let folder: TemporaryFolder
        var certificate: String { folder.path + "/cert.pem" }
        var key: String { folder.path + "/key.pem" }
        var otherKey: String { folder.path + "/other-key.pem" }

        static func make() async throws -> Files {
            let folder = try TemporaryFolder("nomaly-tls")
            for (key, certificate) in [("key.pem", "cert.pem"), ("other-key.pem", "other-cert.pem")] {
                let made = try await ExternalProgram.run([
                    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", folder.path + "/" + key, "-out", folder.path + "/" + certificate,
                ])
                try #require(made.exitCode == 0, "\(made.output)")
            }
            return Files(folder: folder)
        }
    }

    func problems(certificate: String, key: String) -> [ConfigurationProblem] {
        var reader = SettingsReader(Environment(["NOMALY_TLS_CERT": certificate, "NOMALY_TLS_KEY": key]), workingDirectory: "/")
        _ = HTTPSettings(reader: &reader)
        return reader.problems
    }

    @Test("a certificate and its own key are accepted")
    func accepted() async throws {
        let files = try await Files.make()
        #expect(problems(certificate: files.certificate, key: files.key).isEmpty)
    }

    @Test(
        "a file without PEM, or an empty one, is a problem of the setting that names it",
        arguments: [("not a certificate\n", "junk.pem"), ("", "empty.pem")]
    )
    func noPEM(content: String, name: String) async throws {
        let files = try await Files.make()
        let bad = try files.folder.file(name, content)

        let certificate = problems(certificate: bad, key: files.key)
        #expect(certificate.map(\.variable) == ["NOMALY_TLS_CERT"])
        #expect(certificate.first?.message.hasPrefix("\(bad) holds no PEM certificate") == true, "\(certificate)")

        let key = problems(certificate: files.certificate, key: bad)
        #expect(key.map(\.variable) == ["NOMALY_TLS_KEY"])
        #expect(key.first?.message.hasPrefix("\(bad) holds no PEM private key") == true, "\(key)")
    }

    @Test("when both files hold no PEM, both are reported at once")
    func bothBad() async throws {
        let files = try await Files.make()
        let junk = try files.folder.file("junk.pem", "not PEM\n")
        #expect(problems(certificate: junk, key: junk).map(\.variable) == ["NOMALY_TLS_CERT", "NOMALY_TLS_KEY"])
    }

    @Test("the certificate given as the key, and the key as the certificate, are refused by name")
    func swapped() async throws {
        let files = try await Files.make()
        #expect(problems(certificate: files.key, key: files.certificate).map(\.variable) == ["NOMALY_TLS_CERT", "NOMALY_TLS_KEY"])
        #expect(problems(certificate: files.certificate, key: files.certificate).map(\.variable) == ["NOMALY_TLS_KEY"])
    }

    @Test("a key of another certificate is refused before a server starts with it")
    func mismatchedKey() async throws {
        let files = try await Files.make()
        let found = problems(certificate: files.certificate, key: files.otherKey)
        #expect(found.map(\.variable) == ["NOMALY_TLS_KEY"])
        #expect(found.first?.message.contains("is not the private key of the certificate in \(files.certificate)") == true, "\(found)")
    }

    @Test("a folder named as the certificate is a problem of NOMALY_TLS_CERT")
    func folder() async throws {
        let files = try await Files.make()
        let found = problems(certificate: files.folder.path, key: files.key)
        #expect(found.map(\.variable) == ["NOMALY_TLS_CERT"], "\(found)")
    }
}

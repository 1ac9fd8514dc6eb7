import NIOSSL
import Settings

extension HTTPSettings {
    /// The server's TLS configuration from `NOMALY_TLS_CERT` and `NOMALY_TLS_KEY`, or nil when they are unset. Blocking
    /// (reads both files).
    ///
    /// The one loading of the two files: `nomaly serve` builds its server with it, and reading the settings (so
    /// `nomaly check` too) calls it to report a file that holds no certificate or key, or a key that is not the
    /// certificate's, before a server is started with them.
    /// - Throws: a ``Settings/ConfigurationProblem`` naming the setting at fault.
    func tlsConfiguration() throws(ConfigurationProblem) -> TLSConfiguration? {
        guard let certificatePath = tlsCertificatePath, let keyPath = tlsKeyPath else { return nil }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try Self.certificates(at: certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try Self.privateKey(at: keyPath))
        )
        tls.minimumTLSVersion = .tlsv12
        do {
            // What the server does with them first: a key of another certificate fails here, not at the first handshake.
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw ConfigurationProblem(
                variable: "NOMALY_TLS_KEY",
                message: "\(keyPath) is not the private key of the certificate in \(certificatePath) (\(error))"
            )
        }
        return tls
    }

    private static func certificates(at path: String) throws(ConfigurationProblem) -> [NIOSSLCertificate] {
        do {
            return try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw ConfigurationProblem(variable: "NOMALY_TLS_CERT", message: "\(path) holds no PEM certificate (\(error))")
        }
    }

    private static func privateKey(at path: String) throws(ConfigurationProblem) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(file: path, format: .pem)
        } catch {
            throw ConfigurationProblem(variable: "NOMALY_TLS_KEY", message: "\(path) holds no PEM private key (\(error))")
        }
    }

    /// Reports what ``tlsConfiguration()`` would refuse, once both files are set and readable: each file that holds
    /// no certificate or key, and only when both load, a key that is not the certificate's.
    static func checkTLSFiles(_ settings: HTTPSettings, into reader: inout SettingsReader) {
        guard let certificatePath = settings.tlsCertificatePath, let keyPath = settings.tlsKeyPath else { return }
        var loaded = true
        do {
            _ = try certificates(at: certificatePath)
        } catch {
            reader.report(error)
            loaded = false
        }
        do {
            _ = try privateKey(at: keyPath)
        } catch {
            reader.report(error)
            loaded = false
        }
        guard loaded else { return }
        do {
            _ = try settings.tlsConfiguration()
        } catch {
            reader.report(error)
        }
    }
}

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
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw ConfigurationProblem(variable: "NOMALY_TLS_CERT", message: "\(certificatePath) holds no PEM certificate (\(error))")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw ConfigurationProblem(variable: "NOMALY_TLS_KEY", message: "\(keyPath) holds no PEM private key (\(error))")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
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

    /// Reports what ``tlsConfiguration()`` would refuse, once both files are set and readable.
    static func checkTLSFiles(_ settings: HTTPSettings, into reader: inout SettingsReader) {
        do {
            _ = try settings.tlsConfiguration()
        } catch {
            reader.report(error)
        }
    }
}

import Foundation
package import Settings

/// How `nomaly serve` answers HTTP: limits, timeouts, CORS, TLS and where API-created scoring runs may read and
/// write. The defaults are what the daemon runs with when nothing is set.
package struct HTTPSettings: Sendable, Equatable {
    /// `NOMALY_HTTP_HOST`: the address the API listens on (default 127.0.0.1: only this machine).
    package var host = "127.0.0.1"
    /// `NOMALY_HTTP_PORT` (default 8080; 0 picks a free port).
    package var port = 8080
    /// `NOMALY_HTTP_MAX_BODY`: the largest JSON or CSV body the API reads (413 beyond).
    package var bodyLimit: Int = 50 << 20
    /// `NOMALY_HTTP_MAX_UPLOAD`: the largest model tarball `POST /api/v1/models/{name}/versions` accepts.
    package var uploadLimit: Int64 = 100 << 20
    /// `NOMALY_HTTP_MAX_HEADER_BYTES`: the request line excluded, all header names and values together (431 beyond).
    package var maxHeaderBytes = 16 << 10
    /// `NOMALY_HTTP_MAX_URL_BYTES`: path and query (414 beyond).
    package var maxURLBytes = 8 << 10
    /// `NOMALY_HTTP_MAX_JSON_DEPTH`: nesting of arrays and objects in a JSON body (400 beyond).
    package var maxJSONDepth = 32
    /// `NOMALY_HTTP_IDLE_TIMEOUT`: a connection that sends nothing this long is closed (slow or abandoned clients).
    package var idleTimeout: Duration = .seconds(60)
    /// `NOMALY_HTTP_REQUEST_TIMEOUT`: a request not answered within this long gets 503 and its work is cancelled.
    package var requestTimeout: Duration = .seconds(300)
    /// `NOMALY_CORS_ORIGINS`: comma-separated origins (`https://grafana.example.com`) browsers may call the API
    /// from; empty means no cross-origin access.
    package var corsOrigins: [String] = []
    /// `NOMALY_TLS_CERT` and `NOMALY_TLS_KEY`: PEM files; with both set the server speaks HTTPS itself.
    package var tlsCertificatePath: String?
    package var tlsKeyPath: String?
    /// `NOMALY_TRUSTED_PROXIES`: address ranges of reverse proxies (nginx, an ingress controller) whose
    /// `X-Forwarded-For` names the client. Lockouts, rate limits and the audit log then use the client's address
    /// instead of the proxy's; from any other peer the header is ignored, so clients cannot forge it.
    package var trustedProxies: [IPNetwork] = []
    /// `NOMALY_METRICS_REQUIRE_TOKEN`: `/metrics` needs a bearer token too (Prometheus's `authorization` setting).
    package var metricsRequireToken = false
    /// `NOMALY_METRICS_PORT`: when set, `/metrics` is served on this port (same host, same TLS) and no longer on the
    /// API's, so a firewall or NetworkPolicy can let only Prometheus reach it.
    package var metricsPort: Int?
    /// `NOMALY_SCORING_DIR` (default `$NOMALY_HOME/scoring`): the only folder `POST /api/v1/scoring-jobs` may read
    /// input files from and write output files to.
    package var scoringDirectory: String
    /// `NOMALY_INVOCATIONS_MODEL`: the model (`NAME@ALIAS`, `NAME:VERSION`) MLflow clients reach at `POST /invocations`
    /// when a request names none.
    package var invocationsModel: String?

    package init(scoringDirectory: String) {
        self.scoringDirectory = scoringDirectory
    }

    /// Reads the HTTP variables, each problem into `reader`; relative paths start at the reader's working directory.
    package init(reader: inout SettingsReader) {
        host = reader.environment["NOMALY_HTTP_HOST"] ?? host
        port = reader.integer("NOMALY_HTTP_PORT", default: port, range: 0...65535)
        scoringDirectory = reader.path("NOMALY_SCORING_DIR") ?? reader.home + "/scoring"
        invocationsModel = reader.environment["NOMALY_INVOCATIONS_MODEL"]
        bodyLimit = Int(reader.byteSize("NOMALY_HTTP_MAX_BODY", default: Int64(bodyLimit), range: 1024...(4 << 30)))
        uploadLimit = reader.byteSize("NOMALY_HTTP_MAX_UPLOAD", default: uploadLimit, range: 1024...(1 << 40))
        maxHeaderBytes = Int(reader.byteSize("NOMALY_HTTP_MAX_HEADER_BYTES", default: Int64(maxHeaderBytes), range: 1024...(1 << 20)))
        maxURLBytes = Int(reader.byteSize("NOMALY_HTTP_MAX_URL_BYTES", default: Int64(maxURLBytes), range: 256...(1 << 20)))
        maxJSONDepth = reader.integer("NOMALY_HTTP_MAX_JSON_DEPTH", default: maxJSONDepth, range: 2...512)
        idleTimeout = reader.duration("NOMALY_HTTP_IDLE_TIMEOUT", default: idleTimeout)
        requestTimeout = reader.duration("NOMALY_HTTP_REQUEST_TIMEOUT", default: requestTimeout)
        metricsRequireToken = reader.boolean("NOMALY_METRICS_REQUIRE_TOKEN", default: false)
        if let text = reader.environment["NOMALY_METRICS_PORT"], !text.isEmpty {
            // 0 stands for "invalid" here: the reader has reported it already.
            let port = reader.integer("NOMALY_METRICS_PORT", default: 0, range: 1...65535)
            if port != 0 { metricsPort = port }
            let apiPort = Int(reader.environment["NOMALY_HTTP_PORT"]?.trimmingCharacters(in: .whitespaces) ?? "8080")
            if port != 0 && port == apiPort {
                reader.report(
                    ConfigurationProblem(
                        variable: "NOMALY_METRICS_PORT",
                        message: "\(port) is NOMALY_HTTP_PORT too: give /metrics a port of its own, or unset it"
                    )
                )
            }
        }
        corsOrigins = (reader.environment["NOMALY_CORS_ORIGINS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for origin in corsOrigins where origin != "*" && !Self.isOrigin(origin) {
            reader.report(
                ConfigurationProblem(
                    variable: "NOMALY_CORS_ORIGINS",
                    message: "'\(origin)' is not an origin such as https://grafana.example.com (scheme, host, optional port; no path)"
                )
            )
        }
        for entry in (reader.environment["NOMALY_TRUSTED_PROXIES"] ?? "").split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            do {
                trustedProxies.append(try IPNetwork(parsing: text))
            } catch {
                reader.report(
                    ConfigurationProblem(variable: "NOMALY_TRUSTED_PROXIES", message: "\(error) (give addresses or ranges such as 10.0.0.0/8)")
                )
            }
        }
        tlsCertificatePath = reader.path("NOMALY_TLS_CERT")
        tlsKeyPath = reader.path("NOMALY_TLS_KEY")
        if (tlsCertificatePath == nil) != (tlsKeyPath == nil) {
            reader.report(
                ConfigurationProblem(
                    variable: tlsCertificatePath == nil ? "NOMALY_TLS_CERT" : "NOMALY_TLS_KEY",
                    message: "NOMALY_TLS_CERT and NOMALY_TLS_KEY go together: set both for HTTPS, or neither"
                )
            )
        }
        var readable = true
        for (variable, path) in [("NOMALY_TLS_CERT", tlsCertificatePath), ("NOMALY_TLS_KEY", tlsKeyPath)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                reader.report(ConfigurationProblem(variable: variable, message: "cannot read \(path)"))
                readable = false
            }
        }
        if readable { Self.checkTLSFiles(self, into: &reader) }
    }

    /// `scheme://host[:port]`, as browsers send in `Origin`.
    static func isOrigin(_ text: String) -> Bool {
        text.wholeMatch(of: /https?:\/\/[A-Za-z0-9.\-]+(:[0-9]{1,5})?/) != nil
    }
}

import AdminAPI
import App
import Backup
import Foundation
import Logging
import Observability
import Postgres
import Settings
import Testing

@Suite("Configuration from the environment")
struct ConfigurationTests {
    func configuration(_ variables: [String: String]) throws(ConfigurationError) -> NomalyConfiguration {
        try NomalyConfiguration(environment: Environment(variables), workingDirectory: "/srv/nomaly")
    }

    @Test("defaults: embedded database, ./.nomaly, 127.0.0.1:8080, info logs as logfmt")
    func defaults() throws {
        let configuration = try configuration([:])
        #expect(configuration.postgres.location == .embedded)
        #expect(configuration.home == "/srv/nomaly/.nomaly")
        #expect(configuration.http.host == "127.0.0.1")
        #expect(configuration.http.port == 8080)
        #expect(configuration.log.level == .info)
        #expect(configuration.log.format == .logfmt)
        #expect(configuration.postgres.poolSize == 10)
        #expect(configuration.postgres.acquireTimeout == .seconds(10))
        #expect(configuration.postgres.configuration == nil)
    }

    @Test("DATABASE_URL wins; the guide's POSTGRES_* variables come next; then libpq's PG* environment")
    func databaseSources() throws {
        let url = try configuration(["DATABASE_URL": "postgresql://u@db/n?sslmode=require", "POSTGRES_HOST": "ignored"])
        #expect(url.postgres.location == .connectionString("postgresql://u@db/n?sslmode=require"))
        let guide = try configuration([
            "POSTGRES_HOST": "postgres", "POSTGRES_PORT": "5433", "POSTGRES_DB": "pynomaly_prod", "POSTGRES_USER": "o'brien",
        ])
        #expect(guide.postgres.location == .connectionString("host='postgres' port=5433 dbname='pynomaly_prod' user='o\\'brien'"))
        let libpq = try configuration(["PGHOST": "/var/run/postgresql"])
        #expect(libpq.postgres.location == .libpqEnvironment)
        #expect(libpq.postgres.configuration?.connectionString == nil)
    }

    @Test("secrets come from NAME or NAME_FILE, with the file's trailing newline dropped")
    func secretFiles() throws {
        let path = NSTemporaryDirectory() + "nomaly-secret-\(UUID().uuidString)"
        try "postgresql://nomaly@db/nomaly\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try configuration(["DATABASE_URL_FILE": path])
        #expect(fromFile.postgres.location == .connectionString("postgresql://nomaly@db/nomaly"))

        let passwordPath = path + "-password"
        try "s3cret\r\n".write(toFile: passwordPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: passwordPath) }
        let password = try configuration(["DATABASE_URL": "postgresql://nomaly@db/nomaly", "POSTGRES_PASSWORD_FILE": passwordPath])
        #expect(password.postgres.password == "s3cret")
        #expect(password.postgres.configuration?.password == "s3cret")
    }

    @Test("bad secrets: both forms set, a missing file, an empty file")
    func badSecrets() throws {
        let empty = NSTemporaryDirectory() + "nomaly-empty-\(UUID().uuidString)"
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let cases: [([String: String], String, String)] = [
            (["DATABASE_URL": "postgresql://a", "DATABASE_URL_FILE": "/x"], "DATABASE_URL", "not both"),
            (["DATABASE_URL_FILE": "/nonexistent/secret"], "DATABASE_URL_FILE", "cannot read secret file /nonexistent/secret"),
            (["POSTGRES_PASSWORD_FILE": empty], "POSTGRES_PASSWORD_FILE", "is empty"),
        ]
        for (variables, variable, message) in cases {
            let error = #expect(throws: ConfigurationError.self) { try configuration(variables) }
            let problem = try #require(error?.problems.first)
            #expect(problem.variable == variable)
            #expect(problem.message.contains(message), "\(problem.message)")
        }
    }

    @Test("every invalid variable is reported at once, each by name")
    func allProblemsTogether() {
        let error = #expect(throws: ConfigurationError.self) {
            try configuration([
                "NOMALY_HTTP_PORT": "eighty", "LOG_LEVEL": "loud", "LOG_FORMAT": "xml", "NOMALY_DB_POOL_SIZE": "0",
                "NOMALY_DB_ACQUIRE_TIMEOUT": "soon", "DATABASE_URL": "db.example.com", "POSTGRES_PORT": "x",
            ])
        }
        let variables = Set(error?.problems.map(\.variable) ?? [])
        #expect(variables == ["NOMALY_HTTP_PORT", "LOG_LEVEL", "LOG_FORMAT", "NOMALY_DB_POOL_SIZE", "NOMALY_DB_ACQUIRE_TIMEOUT", "DATABASE_URL"])
        #expect(error?.description.contains("NOMALY_HTTP_PORT: 'eighty' is not an integer in 0…65535") == true)
    }

    @Test("passwords never reach logs or `nomaly check`")
    func redaction() {
        #expect(PostgresConfiguration.redact("postgresql://nomaly:hunter2@db:5432/nomaly") == "postgresql://nomaly:***@db:5432/nomaly")
        #expect(PostgresConfiguration.redact("postgresql://db/nomaly?user=a&password=hunter2") == "postgresql://db/nomaly?user=a&password=***")
        #expect(PostgresConfiguration.redact("host=db password=hunter2 user=a") == "host=db password=*** user=a")
        #expect(PostgresConfiguration.redact("postgresql://nomaly@db/nomaly") == "postgresql://nomaly@db/nomaly")
    }

    @Test("HTTP settings: defaults, every variable read, and CORS origins and TLS files checked")
    func httpSettings() throws {
        let defaults = try configuration([:]).http
        #expect(defaults.bodyLimit == 50 << 20 && defaults.uploadLimit == 100 << 20)
        #expect(defaults.maxHeaderBytes == 16 << 10 && defaults.maxURLBytes == 8 << 10 && defaults.maxJSONDepth == 32)
        #expect(defaults.idleTimeout == .seconds(60) && defaults.requestTimeout == .seconds(300))
        #expect(defaults.corsOrigins.isEmpty && defaults.tlsCertificatePath == nil && !defaults.metricsRequireToken)
        #expect(defaults.scoringDirectory == "/srv/nomaly/.nomaly/scoring")

        let set = try configuration([
            "NOMALY_HTTP_MAX_BODY": "10MiB", "NOMALY_HTTP_MAX_UPLOAD": "1GiB", "NOMALY_HTTP_MAX_HEADER_BYTES": "4KiB",
            "NOMALY_HTTP_MAX_URL_BYTES": "2KiB", "NOMALY_HTTP_MAX_JSON_DEPTH": "10", "NOMALY_HTTP_IDLE_TIMEOUT": "5s",
            "NOMALY_HTTP_REQUEST_TIMEOUT": "2m", "NOMALY_CORS_ORIGINS": "https://grafana.example.com, http://localhost:3000",
            "NOMALY_METRICS_REQUIRE_TOKEN": "true", "NOMALY_SCORING_DIR": "batch",
        ]).http
        #expect(set.bodyLimit == 10 << 20 && set.uploadLimit == 1 << 30 && set.maxHeaderBytes == 4096 && set.maxURLBytes == 2048)
        #expect(set.maxJSONDepth == 10 && set.idleTimeout == .seconds(5) && set.requestTimeout == .seconds(120))
        #expect(set.corsOrigins == ["https://grafana.example.com", "http://localhost:3000"])
        #expect(set.metricsRequireToken && set.scoringDirectory == "/srv/nomaly/batch")

        let error = #expect(throws: ConfigurationError.self) {
            try configuration([
                "NOMALY_CORS_ORIGINS": "https://ok.example.com,grafana.example.com/path", "NOMALY_TLS_CERT": "/nonexistent/cert.pem",
                "NOMALY_HTTP_MAX_JSON_DEPTH": "1",
            ])
        }
        let messages = error?.problems.map { "\($0.variable): \($0.message)" } ?? []
        #expect(messages.contains { $0.hasPrefix("NOMALY_CORS_ORIGINS: 'grafana.example.com/path' is not an origin") })
        #expect(messages.contains { $0.hasPrefix("NOMALY_TLS_KEY: NOMALY_TLS_CERT and NOMALY_TLS_KEY go together") })
        #expect(messages.contains { $0 == "NOMALY_TLS_CERT: cannot read /nonexistent/cert.pem" })
        #expect(messages.contains { $0.hasPrefix("NOMALY_HTTP_MAX_JSON_DEPTH") })
    }
}

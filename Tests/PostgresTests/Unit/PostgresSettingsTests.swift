import Postgres
import Settings
import Testing

@Suite("Database settings")
struct PostgresSettingsTests {
    static func read(_ variables: [String: String]) -> (PostgresSettings, [String]) {
        var reader = SettingsReader(Environment(variables), workingDirectory: "/srv/nomaly")
        let settings = PostgresSettings(reader: &reader)
        return (settings, reader.problems.map(\.description))
    }

    @Test("defaults: the embedded cluster, run as postgres, 10 connections, 10 s to acquire, 60 s to start")
    func defaults() {
        let (settings, problems) = Self.read([:])
        #expect(problems.isEmpty)
        #expect(settings == PostgresSettings())
        #expect(settings.location == .embedded && settings.configuration == nil)
        #expect(settings.embeddedClusterUser == "postgres" && settings.binDirectory == nil && settings.migrationsDirectory == nil)
        #expect(settings.poolSize == 10 && settings.acquireTimeout == .seconds(10) && settings.startupTimeout == .seconds(60))
    }

    @Test("every variable read; paths absolute against the reader's working directory; the pool settings follow")
    func everyVariable() throws {
        let (settings, problems) = Self.read([
            "DATABASE_URL": "postgresql://nomaly@db/nomaly", "POSTGRES_PASSWORD": "s3cret", "NOMALY_PG_USER": "pg",
            "NOMALY_PG_BINDIR": "pg/bin", "NOMALY_DB_POOL_SIZE": "25", "NOMALY_DB_ACQUIRE_TIMEOUT": "3s",
            "NOMALY_DB_STARTUP_TIMEOUT": "2m", "NOMALY_MIGRATIONS_DIR": "../migrations",
        ])
        #expect(problems.isEmpty)
        #expect(settings.location == .connectionString("postgresql://nomaly@db/nomaly"))
        #expect(settings.embeddedClusterUser == "pg" && settings.binDirectory == "/srv/nomaly/pg/bin")
        #expect(settings.migrationsDirectory == "/srv/migrations" && settings.startupTimeout == .seconds(120))
        let pool = try #require(settings.configuration)
        #expect(pool.connectionString == "postgresql://nomaly@db/nomaly" && pool.password == "s3cret")
        #expect(pool.maximumConnections == 25 && pool.acquireTimeout == .seconds(3))
        let embedded = settings.configuration(connectionString: "host=/tmp/socket")
        #expect(embedded.connectionString == "host=/tmp/socket" && embedded.password == "s3cret" && embedded.maximumConnections == 25)
    }

    @Test("libpq's PG* variables name a server only when neither DATABASE_URL nor POSTGRES_HOST does")
    func libpqEnvironment() {
        #expect(Self.read(["PGSERVICE": "nomaly"]).0.location == .libpqEnvironment)
        #expect(Self.read(["PGSERVICE": "nomaly"]).0.configuration?.connectionString == nil)
        #expect(Self.read(["PGSERVICE": "nomaly", "POSTGRES_HOST": "db"]).0.location == .connectionString("host='db'"))
    }

    @Test("problems in reading order, each by its variable")
    func problems() {
        let (settings, problems) = Self.read([
            "NOMALY_DB_STARTUP_TIMEOUT": "never", "NOMALY_DB_POOL_SIZE": "501", "POSTGRES_HOST": "db", "POSTGRES_PORT": "x",
            "NOMALY_DB_ACQUIRE_TIMEOUT": "0s",
        ])
        #expect(
            problems == [
                "POSTGRES_PORT: 'x' is not an integer in 1…65535",
                "NOMALY_DB_POOL_SIZE: '501' is not an integer in 1…500",
                "NOMALY_DB_ACQUIRE_TIMEOUT: '0s' is not a positive duration such as 10s, 500ms or 2m",
                "NOMALY_DB_STARTUP_TIMEOUT: 'never' is not a positive duration such as 10s, 500ms or 2m",
            ]
        )
        #expect(settings.poolSize == 10, "an invalid value keeps the default")
    }
}

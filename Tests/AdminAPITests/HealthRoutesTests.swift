import AdminAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import TestSupport
import Testing

@Suite("Health, readiness and version endpoints")
struct HealthRoutesTests {
    struct Readiness: Decodable {
        struct Check: Decodable {
            let name: String
            let ok: Bool
            let message: String?
        }
        let status: String
        let checks: [Check]
    }

    func app(_ probes: [ReadinessProbe]) -> some ApplicationProtocol {
        Application(router: AdminServer.router(version: "9.9.9", probes: probes))
    }

    @Test("/health and /version answer without touching any dependency")
    func health() async throws {
        try await app([ReadinessProbe(name: "never") { throw CancellationError() }]).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/version", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""version":"9.9.9""#))
            }
        }
    }

    @Test("/ready is 200 with every probe passing and 503 naming the failing one")
    func readiness() async throws {
        let probes = [
            ReadinessProbe(name: "database") { nil },
            ReadinessProbe(name: "migrations") { "pending migrations: 0002_more; run nomaly migrate" },
        ]
        try await app(probes).test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONDecoder().decode(Readiness.self, from: Data(String(buffer: response.body).utf8))
                #expect(body.status == "not_ready")
                #expect(body.checks.map(\.ok) == [true, false])
                #expect(body.checks[1].message == "pending migrations: 0002_more; run nomaly migrate")
            }
        }
        try await app([ReadinessProbe(name: "database") { nil }]).test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("a hanging probe makes /ready fail within the probe timeout instead of hanging")
    func hangingProbe() async throws {
        let router = Router()
        router.addHealthRoutes(
            version: "1",
            probes: [
                ReadinessProbe(name: "stuck") {
                    try await Task.sleep(for: .seconds(3600))
                    return nil
                }
            ],
            probeTimeout: .milliseconds(200)
        )
        let started = ContinuousClock.now
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("no answer within"))
            }
        }
        // The probe sleeps an hour: answering at all proves the timeout cut it short. The bound is loose
        // because the suite runs beside CPU-heavy tests.
        #expect(ContinuousClock.now - started < .seconds(120))
    }

    @Test("the database and migrations probes against a real database")
    func realProbes() async throws {
        try await ScratchDatabase.with { pool, _ in
            let migrator = Migrator(
                pool: pool,
                migrations: try Migration.load(from: TestEnvironment.repositoryRoot + "/migrations"),
                logger: TestEnvironment.logger
            )
            #expect(try await ReadinessProbe.database(pool).check() == nil)
            #expect(try await ReadinessProbe.migrations(migrator).check()?.contains("pending migrations: initial") == true)
            try await migrator.apply()
            #expect(try await ReadinessProbe.migrations(migrator).check() == nil)
        }
    }
}

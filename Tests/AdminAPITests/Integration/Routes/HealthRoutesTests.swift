import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import AdminAPI

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

    @Test("/ready is 200 with every probe passing and 503 naming the failing one, without its details in public")
    func readiness() async throws {
        let probes = [
            ReadinessProbe(name: "database") { nil },
            ReadinessProbe(name: "artifact_store") { "s3://secret-bucket/models at minio.internal:9000: connection refused" },
        ]
        try await app(probes).test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let text = String(buffer: response.body)
                let body = try JSONDecoder().decode(Readiness.self, from: Data(text.utf8))
                #expect(body.status == "not_ready")
                #expect(body.checks.map(\.name) == ["database", "artifact_store"])
                #expect(body.checks.map(\.ok) == [true, false])
                #expect(body.checks.allSatisfy { $0.message == nil })
                #expect(!text.contains("secret-bucket") && !text.contains("minio.internal"), "\(text)")
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
            probeTimeout: .milliseconds(200),
            showsDetails: { _ in true }
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

    @Test("a flood of /ready while the probes run is answered from one round of probes, not one round per request")
    func readyFloodSharesProbes() async throws {
        let rounds = Mutex(0)
        let released = Mutex(false)
        let probe = ReadinessProbe(name: "database") {
            rounds.withLock { $0 += 1 }
            while !released.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            return nil
        }
        let requests = 10
        // A probe timeout far beyond the test's own waits: on a loaded machine the default 3 s could cut the held
        // round short and answer 503.
        let router = Router()
        let arrivals = ArrivalCounter()
        router.add(middleware: arrivals)
        router.addHealthRoutes(version: "1", probes: [probe], probeTimeout: .seconds(600))
        try await Application(router: router).test(.router) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<requests {
                    group.addTask { try await client.execute(uri: "/ready", method: .get) { $0.status } }
                }
                // Hold the round until every request has reached the router; one that joins after the round ends
                // starts a new round, which the bound below allows for.
                try await waitFor(timeout: .seconds(120)) { rounds.withLock { $0 } >= 1 && arrivals.count == requests }
                released.withLock { $0 = true }
                for try await status in group { #expect(status == .ok) }
            }
        }
        #expect(rounds.withLock { $0 } < requests, "every request ran the probes itself")
    }

    @Test("SingleFlight: callers arriving while a round runs share it; the first caller after it starts a new one")
    func probesShared() async throws {
        let rounds = Mutex(0)
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let flight = SingleFlight<Int>()
        let work: @Sendable () async -> Int = {
            let round = rounds.withLock { count in
                count += 1
                return count
            }
            for await _ in release { break }
            return round
        }
        let first = await flight.join(work)
        let second = await flight.join(work)
        releaseSignal.yield()
        #expect(await first.value == 1)
        #expect(await second.value == 1)
        #expect(rounds.withLock { $0 } == 1)
        // Once a round is over, the next caller starts a new one.
        releaseSignal.yield()
        #expect(await flight.join(work).value == 2)
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

/// Counts the requests that reached the router, before any handler runs.
struct ArrivalCounter: RouterMiddleware {
    typealias Context = BasicRequestContext
    private let arrived = Storage()
    final class Storage: Sendable { let value = Atomic<Int>(0) }

    var count: Int { arrived.value.load(ordering: .relaxed) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        arrived.value.add(1, ordering: .relaxed)
        return try await next(request, context)
    }
}

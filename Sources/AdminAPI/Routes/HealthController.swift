import Foundation
package import Hummingbird
import Logging

/// One dependency `/ready` checks: the database, the migrations, later the artifact store.
package struct ReadinessProbe: Sendable {
    package let name: String
    /// Returns nil when healthy, else a message an operator can act on. Throwing counts as unhealthy.
    package let check: @Sendable () async throws -> String?

    package init(name: String, check: @escaping @Sendable () async throws -> String?) {
        self.name = name
        self.check = check
    }
}

struct ProbeOutcome: Codable, Sendable {
    let name: String
    let ok: Bool
    /// Why the check failed; null when it passed, and in public answers: it names hosts, ports, buckets and error texts.
    let message: String?

    var withoutDetails: ProbeOutcome { ProbeOutcome(name: name, ok: ok, message: nil) }
}

struct ReadinessResponse: Codable, PlainJSONResponse {
    let status: String
    let checks: [ProbeOutcome]
}

struct HealthResponse: Codable, PlainJSONResponse {
    let status: String
}

struct VersionResponse: Codable, PlainJSONResponse {
    let name: String
    let version: String
}

/// `GET /health` (the process is alive), `GET /ready` (every probe passes, else 503), `GET /version`, for any request
/// context (tests serve them on a bare router).
///
/// Probes run concurrently, each bounded by `probeTimeout`, so one stuck dependency cannot hang the endpoint past a load
/// balancer's own timeout. Requests arriving while a round of probes runs share it: `/ready` is never rate limited, so a
/// flood of it must not become a flood of database queries and S3 requests.
///
/// `/ready` answers each check's name and `ok` to everyone, and why a check failed only when `showsDetails` says the
/// caller may see it (the API: a valid token of any role); failures are logged with their details either way.
package struct HealthController<Context: RequestContext>: Sendable {
    let nomalyVersion: String
    let probes: [ReadinessProbe]
    let probeTimeout: Duration
    let showsDetails: @Sendable (Context) -> Bool
    let flight = SingleFlight<[ProbeOutcome]>()

    package init(
        version: String,
        probes: [ReadinessProbe],
        probeTimeout: Duration = .seconds(3),
        showsDetails: @escaping @Sendable (Context) -> Bool = { _ in false }
    ) {
        nomalyVersion = version
        self.probes = probes
        self.probeTimeout = probeTimeout
        self.showsDetails = showsDetails
    }

    package func addRoutes(to router: some RouterMethods<Context>) {
        router.get("/health", use: health)
        router.get("/version", use: version)
        router.get("/ready", use: ready)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> HealthResponse {
        HealthResponse(status: "ok")
    }

    @Sendable func version(_ request: Request, context: Context) async throws -> VersionResponse {
        VersionResponse(name: "nomaly", version: nomalyVersion)
    }

    @Sendable func ready(_ request: Request, context: Context) async throws -> EditedResponse<ReadinessResponse> {
        let logger = context.logger
        let outcomes = await flight.join {
            let outcomes = await runProbes(probes, timeout: probeTimeout)
            let failing = outcomes.filter { !$0.ok }
            if !failing.isEmpty {
                logger.warning("not ready", metadata: ["failing": "\(failing.map { "\($0.name): \($0.message ?? "")" }.joined(separator: "; "))"])
            }
            return outcomes
        }.value
        let ready = outcomes.allSatisfy(\.ok)
        return EditedResponse(
            status: ready ? .ok : .serviceUnavailable,
            response: ReadinessResponse(
                status: ready ? "ready" : "not_ready",
                checks: showsDetails(context) ? outcomes : outcomes.map(\.withoutDetails)
            )
        )
    }
}

extension Router {
    /// Adds ``HealthController``'s routes.
    package func addHealthRoutes(
        version: String,
        probes: [ReadinessProbe],
        probeTimeout: Duration = .seconds(3),
        showsDetails: @escaping @Sendable (Context) -> Bool = { _ in false }
    ) {
        HealthController(version: version, probes: probes, probeTimeout: probeTimeout, showsDetails: showsDetails).addRoutes(to: self)
    }
}

func runProbes(_ probes: [ReadinessProbe], timeout: Duration) async -> [ProbeOutcome] {
    await withTaskGroup(of: (Int, ProbeOutcome).self) { group in
        for (index, probe) in probes.enumerated() {
            group.addTask {
                let answer = await result(within: timeout) { () -> String? in
                    do { return try await probe.check() } catch { return "\(error)" }
                }
                // nil: no answer in time; .some(nil): healthy.
                let message: String? = answer ?? "no answer within \(timeout)"
                return (index, ProbeOutcome(name: probe.name, ok: message == nil, message: message))
            }
        }
        var outcomes = [ProbeOutcome?](repeating: nil, count: probes.count)
        for await (index, outcome) in group { outcomes[index] = outcome }
        return outcomes.compactMap { $0 }
    }
}

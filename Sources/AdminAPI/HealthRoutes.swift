import Foundation
public import Hummingbird
import Logging

/// One dependency `/ready` checks: the database, the migrations, later the artifact store.
public struct ReadinessProbe: Sendable {
    public let name: String
    /// Returns nil when healthy, else a message an operator can act on. Throwing counts as unhealthy.
    public let check: @Sendable () async throws -> String?

    public init(name: String, check: @escaping @Sendable () async throws -> String?) {
        self.name = name
        self.check = check
    }
}

struct ProbeOutcome: Codable, Sendable {
    let name: String
    let ok: Bool
    let message: String?
}

struct ReadinessResponse: ResponseCodable {
    let status: String
    let checks: [ProbeOutcome]
}

struct HealthResponse: ResponseCodable {
    let status: String
}

struct VersionResponse: ResponseCodable {
    let name: String
    let version: String
}

extension Router {
    /// `GET /health` (the process is alive), `GET /ready` (every probe passes, else 503), `GET /version`.
    ///
    /// Probes run concurrently, each bounded by `probeTimeout`, so one stuck dependency cannot hang the endpoint
    /// past a load balancer's own timeout.
    public func addHealthRoutes(version: String, probes: [ReadinessProbe], probeTimeout: Duration = .seconds(3)) {
        get("/health") { _, _ in HealthResponse(status: "ok") }
        get("/version") { _, _ in VersionResponse(name: "nomaly", version: version) }
        get("/ready") { _, context -> EditedResponse<ReadinessResponse> in
            let outcomes = await runProbes(probes, timeout: probeTimeout)
            let ready = outcomes.allSatisfy(\.ok)
            if !ready {
                context.logger.warning(
                    "not ready",
                    metadata: ["failing": "\(outcomes.filter { !$0.ok }.map { "\($0.name): \($0.message ?? "")" }.joined(separator: "; "))"]
                )
            }
            return EditedResponse(
                status: ready ? .ok : .serviceUnavailable,
                response: ReadinessResponse(status: ready ? "ready" : "not_ready", checks: outcomes)
            )
        }
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

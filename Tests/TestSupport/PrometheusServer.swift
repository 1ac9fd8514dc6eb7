import Foundation
import Processes

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Debian's `prometheus`, started on a loopback port with a configuration of the test's own, read through its HTTP
/// API: the real evaluator of alert rules against the real scrape of a live server.
package final class PrometheusServer: Sendable {
    package struct Missing: Error, CustomStringConvertible {
        package var description: String { "prometheus is not installed: scripts/test installs Debian's prometheus package" }
    }

    package struct APIError: Error, CustomStringConvertible {
        package let description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// An alert as `/api/v1/alerts` lists it: `pending` or `firing`.
    package struct Alert: Sendable, CustomStringConvertible {
        package let name: String
        package let labels: [String: String]
        package let state: String
        package var description: String { "\(name)\(labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }) \(state)" }
    }

    /// A rule as `/api/v1/rules` reports it after its last evaluation.
    package struct RuleHealth: Sendable, CustomStringConvertible {
        package let name: String
        package let health: String
        package let lastError: String
        package let evaluated: Bool
        package var description: String { "\(name): \(health)\(lastError.isEmpty ? "" : " (\(lastError))")" }
    }

    package let url: String
    private let child: ChildProcess
    private let folder: String

    /// Starts Prometheus and waits until it is ready.
    /// - Parameters:
    ///   - folder: where its configuration and data go (the caller removes it).
    ///   - configuration: prometheus.yml's text; rule files it names are relative to `folder`.
    package init(folder: String, configuration: String) async throws {
        guard let binary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw Missing()
        }
        try configuration.write(toFile: folder + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = HTTPProbe.freePort()
        url = "http://127.0.0.1:\(port)"
        self.folder = folder
        // Its log goes to a file: a pipe nobody reads would fill and stall it.
        child = try ChildProcess.spawn(
            [
                "/bin/sh", "-c", #"exec "$0" "$@" >prometheus.log 2>&1"#, binary, "--config.file=prometheus.yml", "--storage.tsdb.path=data",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=info",
            ],
            workingDirectory: folder
        )
        if await HTTPProbe.waitUntilOK(url + "/-/ready") == nil {
            child.signal(SIGKILL)
            _ = await NomalyProcess.collect(child)
            throw APIError(description: "prometheus did not become ready: \(log.suffix(3000))")
        }
    }

    /// Prometheus's own log, for failure messages.
    package var log: String { (try? String(contentsOfFile: folder + "/prometheus.log", encoding: .utf8)) ?? "" }

    /// Stops it and waits for it to exit.
    package func stop() async {
        child.signal(SIGTERM)
        _ = await NomalyProcess.collect(child)
    }

    /// The samples of an instant query, as label sets with their values.
    package func query(_ expression: String) async throws -> [(labels: [String: String], value: Double)] {
        let data = try await get("/api/v1/query", ["query": expression])
        guard let result = data["result"] as? [[String: Any]] else { throw APIError(description: "no vector for \(expression): \(data)") }
        return result.map { sample in
            let value = (sample["value"] as? [Any])?.last as? String
            return (sample["metric"] as? [String: String] ?? [:], value.flatMap(Double.init) ?? .nan)
        }
    }

    package func alerts() async throws -> [Alert] {
        let data = try await get("/api/v1/alerts", [:])
        return (data["alerts"] as? [[String: Any]] ?? []).map { alert in
            let labels = alert["labels"] as? [String: String] ?? [:]
            return Alert(name: labels["alertname"] ?? "", labels: labels, state: alert["state"] as? String ?? "")
        }
    }

    /// Every alerting and recording rule of every loaded group.
    package func rules() async throws -> [RuleHealth] {
        let data = try await get("/api/v1/rules", [:])
        return (data["groups"] as? [[String: Any]] ?? []).flatMap { group in
            (group["rules"] as? [[String: Any]] ?? []).map { rule in
                RuleHealth(
                    name: rule["name"] as? String ?? "",
                    health: rule["health"] as? String ?? "",
                    lastError: rule["lastError"] as? String ?? "",
                    evaluated: (rule["lastEvaluation"] as? String).map { !$0.hasPrefix("0001-") } ?? false
                )
            }
        }
    }

    /// The `data` of a successful API answer.
    private func get(_ path: String, _ parameters: [String: String]) async throws -> [String: Any] {
        var components = URLComponents(string: url + path)!
        components.queryItems = parameters.isEmpty ? nil : parameters.map { URLQueryItem(name: $0.key, value: $0.value) }
        // URLComponents leaves `+` as it is, which a server reads as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var request = URLRequest(url: components.url!)
        request.timeoutInterval = 30
        let (body, _) = try await URLSession.shared.data(for: request)
        guard let answer = try JSONSerialization.jsonObject(with: body) as? [String: Any], answer["status"] as? String == "success" else {
            throw APIError(description: "\(path) \(parameters): \(String(decoding: body, as: UTF8.self).prefix(2000))")
        }
        return answer["data"] as? [String: Any] ?? [:]
    }
}

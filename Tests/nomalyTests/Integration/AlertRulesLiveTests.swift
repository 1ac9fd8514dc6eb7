import Foundation
import Postgres
import Processes
import TestSupport
import Testing
import Yams

/// deploy/prometheus/rules/ as Prometheus really evaluates them, on what a live `nomaly serve` really exposes over
/// time. Hand-written series in the promtool tests once hid that JobFailing never fired for a job that runs every
/// few seconds: its next slot was queued at most scrapes, and the rule read that as "a retry is queued".
///
/// The shipped rules are loaded as they are, except that every `for:` becomes ``holdFor``. That is long enough to
/// span three slots of a job that fires every 5 s, so a condition that flickers with the schedule still cannot
/// hold through it. The server gets a database of its own (an embedded cluster) so the test can stop it.
@Suite("Alert rules against a real Prometheus scraping a live server")
struct AlertRulesLiveTests {
    static let holdFor = "15s"
    static let fastBroken = "alert-fast-broken"
    static let slowBroken = "alert-slow-broken"
    static let retrying = "alert-retrying"
    static let succeeding = "alert-succeeding"
    static let alwaysRetrying = "alert-always-retrying"
    /// Alerts that depend on how loaded the test machine is (latency, pool waits, lag, 5xx of a slow start), not on
    /// what this test arranges: left out of the "nothing else fires" check.
    static let loadDependent: Set<String> = ["HighLatency", "HighErrorRate", "DatabasePoolSaturated", "FiringLagHigh"]

    @Test(
        "JobFailing, JobNotSucceededFor, BackupNeverVerified, DatabaseConnectionFailure and ServiceDown fire when they should, on a real Prometheus",
        .timeLimit(.minutes(10))
    )
    func rulesOnLiveServer() async throws {
        let folder = try TemporaryFolder("nomaly-alerts")
        var options = EmbeddedCluster.Options(home: folder.path + "/database")
        options.binDirectory = ProcessInfo.processInfo.environment["NOMALY_PG_BINDIR"]
        let cluster = EmbeddedCluster(options: options, logger: TestEnvironment.logger)
        let databaseURL = try await cluster.start()
        do {
            try await exercise(folder: folder, cluster: cluster, databaseURL: databaseURL)
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
    }

    func exercise(folder: TemporaryFolder, cluster: EmbeddedCluster, databaseURL: String) async throws {
        let port = HTTPProbe.freePort()
        let url = "http://127.0.0.1:\(port)"
        let environment = [
            "DATABASE_URL": databaseURL, "NOMALY_HOME": folder.path + "/home", "NOMALY_JOBS_DIR": try jobsFolder(folder),
            "NOMALY_REGISTRY_DIR": TestEnvironment.repositoryRoot + "/registry", "NOMALY_ARTIFACTS": folder.path + "/artifacts",
            "NOMALY_BACKUP_DIR": folder.path + "/backups", "NOMALY_HTTP_PORT": "\(port)", "LOG_LEVEL": "error",
        ]
        // A model with a production alias (the model gauges) and a token to score with (the scoring counters).
        for step in [["migrate"], ["models", "train", "demo"]] {
            let result = try await NomalyProcess.run(step, environment: environment)
            try #require(result.status == 0, "nomaly \(step.joined(separator: " ")): \(result.combinedOutput)")
        }
        let created = try await NomalyProcess.run(["tokens", "create", "--name", "alerts", "--role", "operator"], environment: environment)
        let token = try #require(created.standardOutput.split(separator: "\n").last.map(String.init), "\(created.combinedOutput)")

        // Prometheus first: if it cannot start, no server is left running.
        let prometheusFolder = folder.path + "/prometheus"
        try FileManager.default.createDirectory(atPath: prometheusFolder + "/rules", withIntermediateDirectories: true)
        try Self.shippedRules(holdingFor: Self.holdFor).write(toFile: prometheusFolder + "/rules/nomaly.yml", atomically: true, encoding: .utf8)
        let prometheus = try await PrometheusServer(folder: prometheusFolder, configuration: Self.configuration(target: "127.0.0.1:\(port)"))
        let serve: ChildProcess
        do {
            serve = try NomalyProcess.start(["serve"], environment: environment)
        } catch {
            await prometheus.stop()
            throw error
        }
        let served = Task { await NomalyProcess.collect(serve) }
        do {
            let ready = await HTTPProbe.waitUntilOK(url + "/ready")
            try #require(ready?.status == 200, "serve did not become ready: \(ready?.body ?? "no answer")")
            try await failingJobs(environment: environment, databaseURL: databaseURL, prometheus: prometheus)
            try await backupClears(environment: environment, prometheus: prometheus)
            try await everySeriesExists(url: url, token: token, prometheus: prometheus)

            await cluster.stop()
            try await waitForAlert(prometheus, "DatabaseConnectionFailure", timeout: .seconds(90))
            serve.signal(SIGTERM)
            _ = await served.value
            try await waitForAlert(prometheus, "ServiceDown", timeout: .seconds(90))
            await prometheus.stop()
        } catch {
            serve.signal(SIGKILL)
            let output = await served.value
            await prometheus.stop()
            Issue.record("nomaly serve said: \(output.combinedOutput.suffix(3000))\nprometheus said: \(prometheus.log.suffix(3000))")
            throw error
        }
    }

    /// Five jobs: one failing every 5 s (and, back-dated, failing for longer than its window), one failing every 5 s
    /// after a retry (so some slot is nearly always being retried), one failing every 2 minutes, one whose failure
    /// waits out a retry for an hour, and one that succeeds.
    func jobsFolder(_ folder: TemporaryFolder) throws -> String {
        try folder.file("jobs/\(Self.fastBroken).yaml", "kind: command\nschedule: \"*/5 * * * * *\"\nwith: {command: [\"false\"]}\n")
        try folder.file("jobs/\(Self.slowBroken).yaml", "kind: command\nschedule: \"0 */2 * * * *\"\nwith: {command: [\"false\"]}\n")
        try folder.file(
            "jobs/\(Self.retrying).yaml",
            "kind: command\nschedule: \"@yearly\"\nwith: {command: [\"false\"]}\nretries: {max: 3, initial: 1h, max_delay: 2h}\n"
        )
        try folder.file(
            "jobs/\(Self.alwaysRetrying).yaml",
            "kind: command\nschedule: \"*/5 * * * * *\"\nwith: {command: [\"false\"]}\nretries: {max: 1, initial: 1s}\n"
        )
        try folder.file("jobs/\(Self.succeeding).yaml", "kind: command\nschedule: \"*/5 * * * * *\"\nwith: {command: [\"true\"]}\n")
        return folder.path + "/jobs"
    }

    func failingJobs(environment: [String: String], databaseURL: String, prometheus: PrometheusServer) async throws {
        for job in [Self.slowBroken, Self.retrying] {
            let queued = try await NomalyProcess.run(["jobs", "run", job, "--wait", "--timeout", "2m"], environment: environment)
            #expect(queued.status == 1, "\(job) should fail: \(queued.combinedOutput)")
        }
        // JobNotSucceededFor has a 10-minute floor and BackupNeverVerified a day in their expressions, which the
        // test keeps; instead of waiting, the every-5-s job appeared an hour ago and the schema two days ago.
        let pool = PostgresPool(configuration: .init(connectionString: databaseURL, maximumConnections: 1), logger: TestEnvironment.logger)
        let backdated = try await pool.execute(
            "UPDATE jobs SET created_at = now() - interval '1 hour', active_since = now() - interval '1 hour' WHERE name = $1",
            [Self.fastBroken]
        )
        let installed = try await pool.execute("UPDATE schema_migrations SET applied_at = applied_at - interval '2 days'")
        await pool.close()
        #expect(backdated == 1 && installed > 0)

        let expected: Set<String> = [
            "JobFailing/\(Self.fastBroken)", "JobFailing/\(Self.slowBroken)", "JobFailing/\(Self.alwaysRetrying)",
            "JobNotSucceededFor/\(Self.fastBroken)", "BackupNeverVerified/",
        ]
        var firing: Set<String> = []
        do {
            try await waitFor(timeout: .seconds(150)) {
                firing = Set(
                    try await prometheus.alerts().filter { $0.state == "firing" && !Self.loadDependent.contains($0.name) }
                        .map { "\($0.name)/\($0.labels["job"] ?? "")" }
                )
                return firing.isSuperset(of: expected)
            }
        } catch {
            Issue.record("firing: \(firing.sorted()), expected at least \(expected.sorted())")
            throw error
        }
        // Nothing else that this test arranges fires on a server that is otherwise healthy.
        #expect(firing == expected, "unexpected: \(firing.subtracting(expected).sorted())")

        // The retrying job failed, long enough for JobFailing to have fired, yet it is neither pending nor firing.
        let alerts = try await prometheus.alerts()
        #expect(!alerts.contains { $0.name == "JobFailing" && $0.labels["job"] == Self.retrying }, "\(alerts)")
        #expect(!alerts.contains { $0.labels["job"] == Self.succeeding }, "\(alerts)")
        // Its run failed (the CLI said so above) and its retry has been pending for longer than `for:`: the slot is
        // not settled, so the job has not failed yet.
        let pendingThroughout = try await prometheus.query(
            #"min_over_time(nomaly_job_retry_pending{job="\#(Self.retrying)"}[\#(Self.holdFor)]) == 1"#
        )
        #expect(pendingThroughout.count == 1, "the retrying job's retry was not seen pending for \(Self.holdFor)")
        let settledFailure = try await prometheus.query(#"nomaly_job_last_run_failed{job="\#(Self.retrying)"}"#)
        #expect(settledFailure.map(\.value) == [0])

        let rules = try await prometheus.rules()
        #expect(rules.count >= 15, "only \(rules.map(\.name)) loaded")
        for rule in rules where !rule.evaluated || rule.health != "ok" { Issue.record("rule not healthy: \(rule)") }
    }

    /// Every metric, and every label value, that the rules and the Grafana dashboard select, as Prometheus stored it.
    func everySeriesExists(url: String, token: String, prometheus: PrometheusServer) async throws {
        let verified = try await DeploymentTests.verifyDeployment(url, token)
        #expect(verified.status == 0, "\(verified.combinedOutput)")
        let queried = try DeploymentTests.queriedMetrics()
        #expect(queried.count > 25)
        var missing: [String] = []
        try? await waitFor(timeout: .seconds(60)) {
            let stored = Set(
                try await prometheus.query(#"group by (__name__) ({__name__=~"(nomaly|http|process)_.+"})"#).compactMap { $0.labels["__name__"] }
            )
            missing = queried.keys.filter { !stored.contains($0) }.sorted()
            return missing.isEmpty
        }
        #expect(missing.isEmpty, "queried by the rules or the dashboard but not in Prometheus: \(missing)")
        for selector in try DeploymentTests.equalitySelectors() {
            let matchers = selector.labels.map { #"\#($0)="\#($1)""# }.joined(separator: ",")
            let found = try await prometheus.query("count(\(selector.name){\(matchers)})")
            #expect(!found.isEmpty, "no series in Prometheus matches \(selector.name){\(matchers)}")
        }
    }

    /// The first backup verifies a database set, and the backup alerts clear.
    func backupClears(environment: [String: String], prometheus: PrometheusServer) async throws {
        let backup = try await NomalyProcess.run(["backup", "create"], environment: environment)
        try #require(backup.status == 0, "\(backup.combinedOutput)")
        try await waitFor(timeout: .seconds(60)) {
            try await !prometheus.alerts().contains { $0.name == "BackupNeverVerified" || $0.name == "BackupStale" }
        }
    }

    func waitForAlert(_ prometheus: PrometheusServer, _ name: String, timeout: Duration) async throws {
        do {
            try await waitFor(timeout: timeout) { try await prometheus.alerts().contains { $0.name == name && $0.state == "firing" } }
        } catch {
            Issue.record("\(name) did not fire; alerts: \((try? await prometheus.alerts()) ?? [])")
            throw error
        }
    }

    /// Scrapes every 2 s, evaluates every second. The scrape job is named `nomaly` as in deploy/prometheus, with
    /// `honor_labels` so that Nomaly's `job` label (the job's name) is kept.
    static func configuration(target: String) -> String {
        """
        global:
          scrape_interval: 2s
          scrape_timeout: 2s
          evaluation_interval: 1s
        rule_files:
          - rules/nomaly.yml
        scrape_configs:
          - job_name: nomaly
            honor_labels: true
            static_configs:
              - targets: ["\(target)"]

        """
    }

    /// deploy/prometheus/rules/nomaly.yml with every `for:` replaced, nothing else changed.
    static func shippedRules(holdingFor duration: String) throws -> String {
        let path = TestEnvironment.repositoryRoot + "/deploy/prometheus/rules/nomaly.yml"
        guard var document = try Yams.load(yaml: try String(contentsOfFile: path, encoding: .utf8)) as? [String: Any],
            var groups = document["groups"] as? [[String: Any]]
        else { throw PrometheusServer.APIError(description: "\(path) has no groups") }
        var shortened = 0
        for index in groups.indices {
            guard var rules = groups[index]["rules"] as? [[String: Any]] else { continue }
            for rule in rules.indices where rules[rule]["for"] != nil {
                rules[rule]["for"] = duration
                shortened += 1
            }
            groups[index]["rules"] = rules
        }
        #expect(shortened >= 10, "only \(shortened) rules have a for: duration")
        document["groups"] = groups
        return try Yams.dump(object: document)
    }
}

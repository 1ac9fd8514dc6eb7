import Foundation
import Postgres
import Processes
import TestSupport
import Testing
import Yams

/// The deploy/ files against a real `nomaly serve`: an alert or a panel that queries a metric Nomaly does not expose
/// is silent forever, so every name they use must appear in a live server's /metrics.
@Suite("Deployment files against a live server")
struct DeploymentTests {
    @Test(
        "every metric the alert rules and the Grafana dashboard query is exposed by a live server, and verify-deployment passes",
        .timeLimit(.minutes(5))
    )
    func liveServer() async throws {
        let folder = try TemporaryFolder()
        let jobs = folder.path + "/jobs"
        try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
        // One job that succeeds and one that fails, so run counters and duration histograms exist for both outcomes.
        _ = try folder.file("jobs/deploy-ok.yaml", "kind: command\nschedule: \"* * * * * *\"\nwith: {command: [\"true\"]}\n")
        _ = try folder.file("jobs/deploy-broken.yaml", "kind: command\nschedule: \"* * * * * *\"\nwith: {command: [\"false\"]}\n")
        let port = HTTPProbe.freePort()
        let url = "http://127.0.0.1:\(port)"

        try await ScratchDatabase.withSchema { _, scratch in
            let environment = [
                "DATABASE_URL": scratch.connectionString, "NOMALY_HOME": folder.path + "/home", "NOMALY_JOBS_DIR": jobs,
                "NOMALY_REGISTRY_DIR": TestEnvironment.repositoryRoot + "/registry", "NOMALY_ARTIFACTS": folder.path + "/artifacts",
                "NOMALY_BACKUP_DIR": folder.path + "/backups", "NOMALY_HTTP_PORT": "\(port)", "LOG_LEVEL": "warning",
            ]
            // A trained model with a production alias, and a verified backup: what the model and backup gauges report.
            let trained = try await NomalyProcess.run(["models", "train", "demo"], environment: environment)
            #expect(trained.status == 0, "\(trained.combinedOutput)")
            let backup = try await NomalyProcess.run(["backup", "create", "--kind", "models"], environment: environment)
            #expect(backup.status == 0, "\(backup.combinedOutput)")
            let created = try await NomalyProcess.run(["tokens", "create", "--name", "deploy-check", "--role", "operator"], environment: environment)
            let token = try #require(created.standardOutput.split(separator: "\n").last.map(String.init), "\(created.combinedOutput)")

            let serve = try NomalyProcess.start(["serve"], environment: environment)
            let collected = Task { await NomalyProcess.collect(serve) }
            defer { serve.signal(SIGTERM) }
            let ready = await HTTPProbe.waitUntilOK(url + "/ready")
            try #require(ready?.status == 200, "serve did not become ready: \(ready?.body ?? "no answer")")

            let verified = try await Self.verifyDeployment(url, token)
            #expect(verified.status == 0, "\(verified.combinedOutput)")
            #expect(verified.standardOutput.contains("ok    score one row"), "\(verified.combinedOutput)")
            let refused = try await Self.verifyDeployment(url, "nmly_not_a_token")
            #expect(refused.status == 1, "\(refused.combinedOutput)")
            #expect(refused.standardOutput.contains("FAIL  GET /api/v1/jobs"), "\(refused.combinedOutput)")

            var exposition = ""
            try await waitFor(timeout: .seconds(60)) {
                exposition = await HTTPProbe.get(url + "/metrics")?.body ?? ""
                return exposition.contains(#"nomaly_job_runs_total{job="deploy-broken",status="failed"}"#)
                    && exposition.contains(#"nomaly_job_runs_total{job="deploy-ok",status="succeeded"}"#)
            }
            let exposed = Self.sampleNames(exposition)
            let queried = try Self.queriedMetrics()
            // The extraction itself must find the metrics, or this test could not fail.
            #expect(queried.count > 25, "only \(queried.keys.sorted()) found in the rules and the dashboard")
            for file in ["rules", "dashboard"] { #expect(queried.values.contains { $0.contains(file) }) }
            let missing = queried.keys.filter { !exposed.contains($0) }.sorted()
            #expect(
                missing.isEmpty,
                "queried but not exposed by /metrics: \(missing.map { "\($0) (\(queried[$0]!.sorted().joined(separator: ", ")))" })"
            )
            // A renamed label or value silences an alert as surely as a renamed metric.
            let selectors = try Self.equalitySelectors()
            #expect(selectors.contains { $0.name == "nomaly_ready_check" })
            for selector in selectors where !Self.exposition(exposition, has: selector) {
                Issue.record("no sample in /metrics matches \(selector.name){\(selector.labels.map { "\($0)=\"\($1)\"" }.joined(separator: ","))}")
            }

            serve.signal(SIGTERM)
            let result = await collected.value
            #expect(result.status == 0, "\(result.standardError.suffix(2000))")
        }
    }

    @Test(
        "compose's init script makes a role that is no superuser, and Nomaly migrates, backs up, restores and vacuums as it",
        .timeLimit(.minutes(5))
    )
    func databaseRoleWithoutSuperuser() async throws {
        let server = try #require(URLComponents(string: try TestEnvironment.databaseURL()))
        let superuserURL = try TestEnvironment.databaseURL()
        let role = TestEnvironment.uniqueName("app")
        let database = TestEnvironment.uniqueName("appdb")
        let folder = try TemporaryFolder()
        let passwordFile = try folder.file("postgres_password", "an app password\n")
        let admin = PostgresPool(configuration: .init(connectionString: superuserURL, maximumConnections: 1), logger: TestEnvironment.logger)
        func cleanUp() async {
            _ = try? await admin.execute("DROP DATABASE IF EXISTS \(quotePostgresIdentifier(database)) WITH (FORCE)")
            _ = try? await admin.execute("DROP ROLE IF EXISTS \(quotePostgresIdentifier(role))")
            await admin.close()
        }
        do {
            // The script exactly as the postgres image runs it, pointed at the test server instead of the image's.
            var scriptEnvironment = ProcessInfo.processInfo.environment
            scriptEnvironment.merge([
                "POSTGRES_USER": server.user ?? "postgres", "PGHOST": server.host ?? "127.0.0.1", "PGPORT": "\(server.port ?? 5432)",
                "NOMALY_DB_ROLE": role, "NOMALY_DB_NAME": database, "NOMALY_DB_PASSWORD_FILE": passwordFile,
            ]) { _, new in new }
            let script = try ChildProcess.spawn(
                ["bash", TestEnvironment.repositoryRoot + "/deploy/postgres/init-app-role.sh"],
                environment: scriptEnvironment
            )
            let created = await NomalyProcess.collect(script)
            try #require(created.status == 0, "\(created.combinedOutput)")
            struct Rights: Decodable {
                let rolsuper: Bool
                let rolcreaterole: Bool
                let owner: String
            }
            let rights = try await admin.query(
                "SELECT r.rolsuper, r.rolcreaterole, pg_get_userbyid(d.datdba) AS owner FROM pg_roles r, pg_database d WHERE r.rolname = $1 AND d.datname = $2",
                [role, database]
            ).first?.decode(Rights.self)
            #expect(rights?.rolsuper == false && rights?.rolcreaterole == false)
            #expect(rights?.owner == role)

            var appURL = server
            appURL.user = role
            appURL.path = "/" + database
            let environment = [
                "DATABASE_URL": try #require(appURL.string), "POSTGRES_PASSWORD_FILE": passwordFile, "NOMALY_HOME": folder.path + "/home",
                "NOMALY_ARTIFACTS": folder.path + "/artifacts", "NOMALY_BACKUP_DIR": folder.path + "/backups",
                "ENCRYPTION_KEY_FILE": try folder.file("encryption_key", String(repeating: "5a", count: 32)), "LOG_LEVEL": "warning",
            ]
            // A token made after the backup must be gone after the restore: proof that the restore replaced the data.
            for step in [
                ["migrate"], ["tokens", "create", "--name", "role-check", "--role", "viewer"], ["backup", "create", "--kind", "database"],
                ["backup", "verify", "latest", "--restore-test"], ["tokens", "create", "--name", "after-backup", "--role", "viewer"],
                ["backup", "restore", "latest", "--kind", "database", "--yes"],
            ] {
                let result = try await NomalyProcess.run(step, environment: environment)
                #expect(result.status == 0, "nomaly \(step.joined(separator: " ")): \(result.combinedOutput)")
            }
            let app = PostgresPool(
                configuration: .init(connectionString: try #require(appURL.string), password: "an app password", maximumConnections: 1),
                logger: TestEnvironment.logger
            )
            do {
                // What kind: vacuum runs: every table of its own; and the restored data is there.
                for table in try await app.query("SELECT relid::regclass::text FROM pg_stat_user_tables").decode(String.self) {
                    try await app.execute("VACUUM (ANALYZE) \(table)")
                }
                #expect(try await app.query("SELECT name FROM api_tokens").decode(String.self) == ["role-check"])
                // And what only a superuser may do is refused.
                await #expect(throws: PostgresError.self) { try await app.execute("ALTER SYSTEM SET work_mem = '8MB'") }
                await #expect(throws: PostgresError.self) { try await app.execute("COPY (SELECT 1) TO PROGRAM 'true'") }
                await app.close()
            } catch {
                await app.close()
                throw error
            }
            await cleanUp()
        } catch {
            await cleanUp()
            throw error
        }
    }

    static func verifyDeployment(_ url: String, _ token: String) async throws -> ChildProcess.Result {
        let child = try ChildProcess.spawn(["bash", TestEnvironment.repositoryRoot + "/scripts/verify-deployment", url, token])
        return await NomalyProcess.collect(child)
    }

    /// Sample names in a text exposition, histogram series (`_bucket`, `_sum`, `_count`) included.
    static func sampleNames(_ exposition: String) -> Set<String> {
        Set(
            exposition.split(separator: "\n").filter { !$0.hasPrefix("#") }
                .compactMap { $0.prefix { $0 != "{" && $0 != " " }.nilIfEmpty }.map(String.init)
        )
    }

    /// Every Nomaly metric (`nomaly_*`, `http_*`, `process_*`) that deploy/'s alert rules and dashboard query, with the
    /// files that query it. Recording-rule names (with colons) and Prometheus's own `up` are not Nomaly's.
    static func queriedMetrics() throws -> [String: Set<String>] {
        var names: [String: Set<String>] = [:]
        for (file, query) in try queries() {
            let unquoted = query.replacing(/"(?:[^"\\]|\\.)*"/, with: "\"\"")
            // A name starts after anything that cannot be part of an identifier or a `$variable`.
            for match in unquoted.matches(of: /(?:^|[^A-Za-z0-9_:$])((?:nomaly|http|process)_[a-z0-9_]+)/) {
                names[String(match.output.1), default: []].insert(file)
            }
        }
        return names
    }

    /// Every PromQL expression of the alert rules and the dashboard (panels and template variables), by file.
    static func queries() throws -> [(file: String, query: String)] {
        let deploy = TestEnvironment.repositoryRoot + "/deploy"
        var queries: [(file: String, query: String)] = []
        let rulesFile = deploy + "/prometheus/rules/nomaly.yml"
        let rules = try Yams.load(yaml: try String(contentsOfFile: rulesFile, encoding: .utf8)) as? [String: Any]
        for group in rules?["groups"] as? [[String: Any]] ?? [] {
            for rule in group["rules"] as? [[String: Any]] ?? [] {
                if let expression = rule["expr"] as? String { queries.append(("rules", expression)) }
            }
        }
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: deploy + "/grafana/nomaly.json")))
        for query in strings(in: dashboard, keys: ["expr", "query", "definition"]) { queries.append(("dashboard", query)) }

        return queries
    }

    /// `name{label="value", …}` selectors of the rules and the dashboard, keeping only exact matchers on labels Nomaly
    /// sets: `job` and `instance` are Prometheus's target labels, and `$variables` are Grafana's.
    static func equalitySelectors() throws -> [(name: String, labels: [(String, String)])] {
        var selectors: [(name: String, labels: [(String, String)])] = []
        for (_, query) in try queries() {
            for match in query.matches(of: /((?:nomaly|http|process)_[a-z0-9_]+)\{([^}]*)\}/) {
                let labels = String(match.output.2).matches(of: /([a-z_]+)\s*=\s*"([^"$]*)"/)
                    .map { (String($0.output.1), String($0.output.2)) }
                    .filter { $0.0 != "job" && $0.0 != "instance" }
                if !labels.isEmpty { selectors.append((String(match.output.1), labels)) }
            }
        }
        return selectors
    }

    static func exposition(_ exposition: String, has selector: (name: String, labels: [(String, String)])) -> Bool {
        exposition.split(separator: "\n").contains { line in
            line.hasPrefix(selector.name + "{") && selector.labels.allSatisfy { line.contains("\($0.0)=\"\($0.1)\"") }
        }
    }

    /// String values of the given keys anywhere in a JSON document.
    static func strings(in json: Any, keys: Set<String>) -> [String] {
        if let object = json as? [String: Any] {
            return object.flatMap { key, value in
                (keys.contains(key) ? [value as? String].compactMap { $0 } : []) + strings(in: value, keys: keys)
            }
        }
        if let array = json as? [Any] { return array.flatMap { strings(in: $0, keys: keys) } }
        return []
    }
}

extension Substring {
    fileprivate var nilIfEmpty: Substring? { isEmpty ? nil : self }
}

import Foundation
import Processes
import TestSupport
import Testing

/// What the runnable examples run against: a live `nomaly serve` on a scratch database, in a working folder laid out
/// like the repository (its `jobs/`, `registry/` and `scripts/`), with the built `nomaly` first on PATH and what the pages take
/// for granted already there (``files``, ``state``).
struct DocExamplesWorld {
    let folder: TemporaryFolder
    /// The environment every block runs with: the server's database and port, `TOKEN` (an admin token), `S3_BUCKET`
    /// (a bucket of its own on the test S3 server).
    let environment: [String: String]
    /// Where the pages' `127.0.0.1:8080` really is.
    let address: String

    /// The files the pages' examples name, made before the server starts: `train.csv` and `today.csv` (the demo data,
    /// also gzipped), a `model/` folder, a `backup.dump`, the tarballs of seven versions of `fraud`, a scoring input
    /// (api.md), and the bucket `S3_BUCKET` names (the server checks it for readiness).
    static let files = """
        set -euo pipefail
        aws --endpoint-url "$S3_ENDPOINT" s3api create-bucket --bucket "$S3_BUCKET" >/dev/null
        cp registry/data/payments-train.csv train.csv
        cp registry/data/payments-today.csv today.csv
        gzip -k train.csv today.csv
        mkdir model
        cp registry/demo.yaml model/spec.yaml
        head -c 100000 /dev/urandom >backup.dump
        for seed in 1 2 3 4 5 6 7; do
          nomaly fit --detector isolation-forest --input train.csv --id id --label is_fraud --trees 20 --seed "$seed" \\
            --output "fraud-$seed.tar.gz" >/dev/null
        done
        cp fraud-1.tar.gz m.tar.gz
        mkdir -p .nomaly/scoring/2026-12-03
        cp today.csv .nomaly/scoring/2026-12-03/payments.csv
        """

    /// What the database holds once the server is ready, as after `scripts/run`'s first start (README.md): the demo
    /// trained (run 1), promoted and scored, and trained once more with `production` left on 1 (README.md promotes 2);
    /// an admin token in `.token`; the model `fraud` with seven versions and `production` on 6 (registry.md).
    static let state = """
        set -euo pipefail
        nomaly tokens create --name docs-examples --role admin --json | jq -r .token >.token
        nomaly jobs run nightly-train --wait
        nomaly jobs run nightly-score --wait
        nomaly models train demo >/dev/null
        if [ "$(nomaly models show demo --json | jq .aliases.production)" != 1 ]; then
          nomaly models rollback demo >/dev/null
        fi
        for seed in 1 2 3 4 5 6 7; do
          nomaly models register fraud --artifact "fraud-$seed.tar.gz" >/dev/null
        done
        nomaly models promote fraud 6 --alias production --expect none >/dev/null
        """

    /// Starts the server, prepares the folder, runs `body`, and stops the server whatever happened.
    static func with(_ body: (DocExamplesWorld) async throws -> Void) async throws {
        try await ScratchDatabase.with { _, scratch in
            let folder = try TemporaryFolder("nomaly-docs")
            let root = TestEnvironment.repositoryRoot
            for copied in ["jobs", "registry", "scripts"] {
                try FileManager.default.copyItem(atPath: root + "/" + copied, toPath: folder.path + "/" + copied)
            }
            try FileManager.default.createDirectory(atPath: folder.path + "/bin", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: folder.path + "/bin/nomaly", withDestinationPath: TestEnvironment.nomalyExecutable)
            let bucket = TestEnvironment.uniqueName("nomaly-docs").replacingOccurrences(of: "_", with: "-")
            let port = HTTPProbe.freePort()
            var environment = NomalyProcess.environment([
                "DATABASE_URL": scratch.connectionString, "NOMALY_HTTP_PORT": "\(port)", "S3_BUCKET": bucket, "USER": "operator",
                "PATH": folder.path + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            ])
            let made = try await DocScript.bash(files, environment: environment, in: folder.path)
            guard made.status == 0 else { throw DocExamplesFailure(description: "making the examples' files failed:\n\(made.combinedOutput)") }
            let serve = try ChildProcess.spawn([folder.path + "/bin/nomaly", "serve"], environment: environment, workingDirectory: folder.path)
            let served = Task { await NomalyProcess.collect(serve) }
            func stop() async -> ChildProcess.Result {
                serve.signal(SIGTERM)
                return await served.value
            }
            let ready = await HTTPProbe.waitUntilOK("http://127.0.0.1:\(port)/ready", timeout: .seconds(120))
            guard ready?.status == 200 else {
                let log = await stop()
                throw DocExamplesFailure(description: "nomaly serve did not become ready: \(ready?.body ?? "no answer")\n\(log.combinedOutput)")
            }
            let prepared = try await DocScript.bash(state, environment: environment, in: folder.path)
            guard prepared.status == 0 else {
                let log = await stop()
                throw DocExamplesFailure(
                    description: "preparing the examples' world failed:\n\(prepared.combinedOutput)\nserve:\n\(log.combinedOutput)"
                )
            }
            environment["TOKEN"] = try folder.read(".token").trimmingCharacters(in: .whitespacesAndNewlines)
            let world = DocExamplesWorld(folder: folder, environment: environment, address: "127.0.0.1:\(port)")
            do {
                try await body(world)
            } catch {
                _ = await stop()
                throw error
            }
            let log = await stop()
            #expect(log.status == 0, "nomaly serve ended badly after the examples:\n\(log.standardError.suffix(4000))")
        }
    }
}

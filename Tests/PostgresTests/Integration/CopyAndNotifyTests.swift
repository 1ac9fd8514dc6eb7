import Foundation
import Postgres
import TestSupport
import Testing

@Suite("COPY FROM STDIN and LISTEN/NOTIFY (real Postgres)")
struct CopyAndNotifyTests {
    struct Deliberate: Error {}

    @Test("COPY loads 100,000 rows, with NULLs and delimiter characters intact")
    func bulkCopy() async throws {
        try await ScratchDatabase.with { pool, _ in
            try await pool.execute("CREATE TABLE scores (id int8 PRIMARY KEY, label text, score float8, flagged boolean, at timestamptz)")
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let copied = try await pool.withConnection { connection in
                try await connection.copyFrom(table: "scores", columns: ["id", "label", "score", "flagged", "at"]) { writer in
                    for index in 0..<100_000 {
                        let label: String? = index % 10 == 0 ? nil : "row\t\(index)\n\\end"
                        try await writer.append([index, label, Double(index) / 4, index % 3 == 0, start.addingTimeInterval(Double(index))])
                    }
                }
            }
            #expect(copied == 100_000)
            let summary = try #require(
                try await pool.query(
                    "SELECT count(*) AS rows, count(label) AS labels, sum(score) AS total, count(*) FILTER (WHERE flagged) AS flagged, max(at) AS latest FROM scores"
                ).first
            )
            #expect(try summary.decode(Int.self, column: "rows") == 100_000)
            #expect(try summary.decode(Int.self, column: "labels") == 90_000)
            #expect(try summary.decode(Double.self, column: "total") == Double(99_999 * 100_000 / 2) / 4)
            #expect(try summary.decode(Int.self, column: "flagged") == 33_334)
            #expect(try summary.decode(Date.self, column: "latest") == start.addingTimeInterval(99_999))
            let label = try #require(try await pool.query("SELECT label FROM scores WHERE id = 7").first).decode(String.self)
            #expect(label == "row\t7\n\\end")
        }
    }

    @Test("a COPY whose producer throws inserts nothing and leaves the connection usable")
    func abortedCopy() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            try await pool.execute("CREATE TABLE items (id int8)")
            await #expect(throws: Deliberate.self) {
                try await pool.withConnection { connection in
                    try await connection.copyFrom(table: "items", columns: ["id"]) { writer in
                        for index in 0..<10 { try await writer.append([index]) }
                        throw Deliberate()
                    }
                }
            }
            #expect(try await pool.query("SELECT count(*) FROM items").first!.decode(Int.self) == 0)
        }
    }

    @Test("a row the server rejects fails the COPY with the server's error and inserts nothing")
    func rejectedCopy() async throws {
        try await ScratchDatabase.with(maximumConnections: 1) { pool, _ in
            try await pool.execute("CREATE TABLE items (id int8 NOT NULL)")
            let error = try await #require(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try await connection.copyFrom(table: "items", columns: ["id"]) { writer in
                        try await writer.append([1])
                        try await writer.append(["not a number"])
                    }
                }
            }
            #expect(error.sqlState == "22P02")
            #expect(try await pool.query("SELECT count(*) FROM items").first!.decode(Int.self) == 0)
            let wrongWidth = try await #require(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try await connection.copyFrom(table: "items", columns: ["id"]) { writer in try await writer.append([1, 2]) }
                }
            }
            #expect(wrongWidth.code == .copyFailed)
        }
    }

    @Test("LISTEN receives NOTIFY payloads in order, and a notification inside a transaction only after COMMIT")
    func listenNotify() async throws {
        try await ScratchDatabase.with { pool, _ in
            let listener = try await pool.listen(to: ["nomaly_runs"])
            defer { listener.stop() }
            let inbox = Inbox()
            let reader = Task { for await notification in listener.notifications { await inbox.add(notification) } }
            defer { reader.cancel() }

            try await pool.notify("nomaly_runs", payload: "first")
            try await pool.notify("nomaly_runs", payload: "second {\"json\": true}")
            try await pool.notify("other_channel", payload: "ignored")
            let received = await inbox.wait(for: 2)
            #expect(received.map(\.payload) == ["first", "second {\"json\": true}"])
            #expect(received.allSatisfy { $0.channel == "nomaly_runs" })

            try await pool.withTransaction { connection in
                try await connection.execute("SELECT pg_notify('nomaly_runs', 'committed')")
                // A marker sent from another connection commits first; once it has arrived, the listener has seen
                // everything committed so far, so the uncommitted notification would be in the inbox by now.
                try await pool.notify("nomaly_runs", payload: "marker")
                let seen = await inbox.wait(for: 3)
                #expect(seen.map(\.payload) == ["first", "second {\"json\": true}", "marker"])
            }
            #expect(await inbox.wait(for: 4).last?.payload == "committed")
        }
    }
}

extension CopyAndNotifyTests {
    @Test("a listener whose connection is terminated reconnects and keeps delivering")
    func listenerReconnects() async throws {
        try await ScratchDatabase.with { pool, _ in
            let listener = try await pool.listen(to: ["nomaly_jobs"])
            defer { listener.stop() }
            let inbox = Inbox()
            let reader = Task { for await notification in listener.notifications { await inbox.add(notification) } }
            defer { reader.cancel() }
            let listening = "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()"
            let before = try #require(try await pool.query(listening).first).decode(Int32.self)
            try await pool.query("SELECT pg_terminate_backend($1)", [before])
            // Notifications sent while it reconnects are lost by design; keep sending until one arrives.
            let deadline = ContinuousClock.now + .seconds(10)
            while await inbox.count == 0, ContinuousClock.now < deadline {
                try await pool.notify("nomaly_jobs", payload: "after")
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(await inbox.count > 0)
            let after = try await pool.query(listening).decode(Int32.self)
            #expect(after.count == 1)
            #expect(after.first != before)
        }
    }
}

/// Collects notifications so a test can wait for a number of them with a deadline.
actor Inbox {
    private(set) var items: [PostgresNotification] = []
    var count: Int { items.count }

    func add(_ notification: PostgresNotification) { items.append(notification) }

    /// Waits up to a minute (generous: the machine may be loaded) for `count` items and returns what arrived.
    func wait(for count: Int) async -> [PostgresNotification] {
        let deadline = ContinuousClock.now + .seconds(60)
        while items.count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return items
    }
}

import Foundation
import Postgres

/// Loads a scores CSV (`id,score,is_anomaly`, as BatchScorer writes it) into a table with COPY.
enum ScoreTableWriter {
    static func copy(_ csv: String, into table: String, runID: Int64, pool: PostgresPool) async throws {
        guard let handle = FileHandle(forReadingAtPath: csv) else { throw JobFailureError("cannot read \(csv)") }
        defer { try? handle.close() }
        try await pool.withConnection { connection in
            _ = try await connection.copyFrom(table: table, columns: ["run_id", "row_key", "score", "is_anomaly"]) { writer in
                var pending = Data()
                var sawHeader = false
                var lineNumber = 0
                while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
                    pending.append(block)
                    while let newline = pending.firstIndex(of: 0x0A) {
                        let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                        pending.removeSubrange(pending.startIndex...newline)
                        lineNumber += 1
                        guard sawHeader else {
                            sawHeader = true
                            continue
                        }
                        let fields = Self.split(line)
                        // The line holds an id from the input: the message gives its number, never its text.
                        guard fields.count == 3 else { throw JobFailureError("line \(lineNumber) of the scores file is malformed") }
                        try await writer.append([runID, fields[0], Double(fields[1]) ?? .nan, fields[2] == "1"])
                    }
                }
            }
        }
    }

    /// The id may be quoted (RFC 4180); score and flag never are.
    static func split(_ line: String) -> [String] {
        guard line.hasPrefix("\"") else { return line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var id = ""
        var index = line.index(after: line.startIndex)
        while index < line.endIndex {
            let character = line[index]
            index = line.index(after: index)
            if character == "\"" {
                if index < line.endIndex, line[index] == "\"" {
                    id.append("\"")
                    index = line.index(after: index)
                } else {
                    break
                }
            } else {
                id.append(character)
            }
        }
        let rest = line[index...].split(separator: ",", omittingEmptySubsequences: false).dropFirst().map(String.init)
        return [id] + rest
    }
}

import ArgumentParser
import Foundation

extension AsyncParsableCommand {
    /// Turns any error into a one-line `error: …` message and a non-zero exit, instead of a Swift dump.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        try await nomaly.reportingErrors(body)
    }
}

/// ``AsyncParsableCommand/reportingErrors(_:)`` for helpers that several commands share.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

import AdminAPI
import App
import ArgumentParser
import Foundation
import Modeling
import Registry

/// How `nomaly` ends, by the kind of thing that went wrong (docs/cli.md, "Exit codes"). ``ExitStatus/of(_:)`` is the
/// one mapping from an error to its status and message: ``Nomaly/main()`` applies it to whatever a command throws, so
/// a wrong command line exits 64 whichever command, or which layer below it, noticed.
enum ExitStatus: Int32, Sendable {
    /// It worked.
    case success = 0
    /// The command ran and failed: a refused change, something not found, an unreachable database, a bad input file,
    /// a run that did not succeed. The reason is on stderr as `error: …`.
    case failure = 1
    /// `nomaly cron`: the expression, the zone or the start time is invalid.
    case invalidSchedule = 2
    /// The command line is wrong: an unknown option, a missing argument, a value that is malformed, out of range or
    /// not one of the choices. Nothing was changed.
    case usage = 64

    /// The status and the operator's message for `error`; nil message when the command has already said why.
    static func of(_ error: any Error) -> (status: ExitStatus, message: String?) {
        switch error {
        case let error as CLIError:
            return (error.status, error.message)
        case let error as ExitCode:
            // Thrown by a command that printed its own findings (check, migrate --status, jobs run --wait).
            return (ExitStatus(rawValue: error.rawValue) ?? .failure, nil)
        case let error as ValidationError:
            return (.usage, error.message)
        case let error as RegistryError:
            // A malformed name or reference can only have come from the command line; the rest is the registry's answer.
            return (error.code == .invalidName ? .usage : .failure, error.message)
        case let error as ModelingError:
            // Training parameters (detector, trees, contamination, threshold) are what `fit` was given.
            return (error.code == .invalidParameter ? .usage : .failure, error.message)
        case let error as APIError:
            // The token store speaks HTTP for the API; the command line gets the sentence, not the status line.
            return (error.code == "invalid_name" ? .usage : .failure, error.message)
        default:
            return (.failure, "\(error)")
        }
    }
}

/// A failure phrased for the operator, whose kind decides the exit status.
struct CLIError: Error, CustomStringConvertible {
    let status: ExitStatus
    let message: String

    var description: String { message }
}

extension Nomaly {
    /// ArgumentParser's `main()`, with one difference in each phase: the root answers `--version` only when it is the
    /// sole argument (so `models promote demo --version 2` is a wrong command line, not the program's version and
    /// exit 0), and every error goes through ``ExitStatus/of(_:)``.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] {
            print(versionText)
            return
        }
        var command: any ParsableCommand
        do {
            command = try await asyncParseAsRoot(arguments)
        } catch {
            exit(parsing: error, arguments: arguments)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(running: type(of: command), error)
        }
    }

    /// Before a command runs, only the command line can be wrong: a help request exits 0, anything else 64, with the
    /// usage of the command that was being parsed.
    private static func exit(parsing error: any Error, arguments: [String]) -> Never {
        guard exitCode(for: error) != .success else { exit(withError: error) }
        var text = fullMessage(for: error)
        if arguments.contains("--version") {
            text += "\n`--version` stands alone (`nomaly --version`); a model version is an argument: `nomaly models promote NAME VERSION`."
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        exit(withError: ExitCode(ExitStatus.usage.rawValue))
    }

    private static func exit(running command: any ParsableCommand.Type, _ error: any Error) -> Never {
        // `--help` and `nomaly help CMD` reach here too: ArgumentParser parses them into a command whose run() throws
        // the help request.
        if exitCode(for: error) == .success { exit(withError: error) }
        let (status, message) = ExitStatus.of(error)
        if let message {
            var text = "error: \(message)\n"
            if status == .usage, let path = path(to: command) {
                text += "Usage: \(usageString(for: command))\n  See '\(path) --help' for more information.\n"
            }
            FileHandle.standardError.write(Data(text.utf8))
        }
        exit(withError: ExitCode(status.rawValue))
    }

    /// `nomaly jobs history`, for the hint under a usage error found while running.
    static func path(to target: any ParsableCommand.Type, from root: any ParsableCommand.Type = Nomaly.self) -> String? {
        if ObjectIdentifier(root) == ObjectIdentifier(target) { return root._commandName }
        for child in root.configuration.subcommands {
            if let rest = path(to: target, from: child) { return root._commandName + " " + rest }
        }
        return nil
    }

    /// ArgumentParser prints its errors as `Error: …`; every other error of ours is `error: …`.
    static var _errorPrefix: String { "error: " }
}

import App
import Foundation
import ObjectStore
import Synchronization
import Units

/// One line on stderr for long transfers, redrawn at most ten times a second:
/// `upload  [##########----------]  50%  100.0 MiB / 200.0 MiB  62.5 MiB/s  ETA 0:02`.
///
/// Drawn only when stderr is a terminal and only once a transfer has run for half a second; elsewhere the command
/// prints one summary line per transfer instead (``summary(verb:from:to:bytes:seconds:)``). Several transfers (a
/// `--recursive` copy) add up into one bar.
final class ProgressBar: Sendable {
    private struct State {
        var doneByTransfer: [Int: Int64] = [:]
        var totalByTransfer: [Int: Int64] = [:]
        var lastDraw = ContinuousClock.now
        var drawn = false
    }

    let label: String
    /// The bytes of every transfer together, when known in advance.
    let expectedTotal: Int64?
    let isEnabled: Bool
    private let started = ContinuousClock.now
    private let state = Mutex(State())

    init(label: String, expectedTotal: Int64? = nil, isEnabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.expectedTotal = expectedTotal
        self.isEnabled = isEnabled
    }

    /// The progress handler for one transfer.
    func handler(transfer: Int = 0) -> TransferProgressHandler {
        { [self] done, total in update(transfer: transfer, done: done, total: total) }
    }

    private func update(transfer: Int, done: Int64, total: Int64?) {
        guard isEnabled else { return }
        let line: String? = state.withLock { state in
            state.doneByTransfer[transfer] = done
            if let total { state.totalByTransfer[transfer] = total }
            let now = ContinuousClock.now
            guard now - started >= .milliseconds(500), now - state.lastDraw >= .milliseconds(100) else { return nil }
            state.lastDraw = now
            state.drawn = true
            return render(state, elapsed: now - started)
        }
        if let line { Self.write("\r" + line + "\u{1B}[K") }
    }

    /// Prints a line on stdout above the bar.
    func print(_ line: String) {
        clear()
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Removes the bar, if one was drawn.
    func clear() {
        let drawn = state.withLock { state in
            defer { state.drawn = false }
            return state.drawn
        }
        if drawn { Self.write("\r\u{1B}[K") }
    }

    private func render(_ state: State, elapsed: Duration) -> String {
        let done = state.doneByTransfer.values.reduce(0, +)
        let total = expectedTotal ?? (state.totalByTransfer.isEmpty ? nil : state.totalByTransfer.values.reduce(0, +))
        let seconds = max(elapsed.inSeconds, 0.001)
        let rate = Double(done) / seconds
        var parts = [label]
        if let total, total > 0 {
            let fraction = min(max(Double(done) / Double(total), 0), 1)
            let filled = Int(fraction * 20)
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "]")
            parts.append(String(format: "%3d%%", Int(fraction * 100)))
            parts.append("\(Self.bytes(done)) / \(Self.bytes(total))")
            parts.append("\(Self.bytes(Int64(rate)))/s")
            if rate > 0 { parts.append("ETA " + Self.clock(Double(max(total - done, 0)) / rate)) }
        } else {
            parts.append(Self.bytes(done))
            parts.append("\(Self.bytes(Int64(rate)))/s")
        }
        return parts.joined(separator: "  ")
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    // MARK: Formatting

    /// `upload: /var/backups/db.dump → s3://backups/db.dump (200.0 MiB in 3.1 s, 64.5 MiB/s)`
    static func summary(verb: String, from source: String, to destination: String, bytes: Int64, seconds: Double) -> String {
        let rate = seconds > 0 ? ", \(Self.bytes(Int64(Double(bytes) / seconds)))/s" : ""
        return "\(verb): \(source) → \(destination) (\(Self.bytes(bytes)) in \(String(format: "%.1f", seconds)) s\(rate))"
    }

    /// `512 B`, `1.5 KiB`, `200.0 MiB`, `3.2 GiB`.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// `0:42`, `12:05`, `1:02:03`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}

extension ProgressBar: CopyObserver {
    func progress(transfer: Int) -> TransferProgressHandler? { handler(transfer: transfer) }

    func copied(verb: String, from source: String, to destination: String, bytes: Int64, seconds: Double) {
        print(Self.summary(verb: verb, from: source, to: destination, bytes: bytes, seconds: seconds))
    }
}

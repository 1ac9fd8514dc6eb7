import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// This process's resource use, read from `/proc/self` (Linux only).
///
/// ```swift
/// if let sample = ProcessSample.current() { print(sample.residentMemoryBytes) }
/// ```
package struct ProcessSample: Sendable, Equatable {
    package var residentMemoryBytes: Int
    package var virtualMemoryBytes: Int
    /// User plus system CPU time since the process started.
    package var cpuSeconds: Double
    package var openFileDescriptors: Int
    /// The soft limit on open descriptors, from `/proc/self/limits`.
    package var maxFileDescriptors: Int?
    /// Seconds since the Unix epoch.
    package var startTimeSeconds: Double

    /// Reads `/proc/self/stat`, `/proc/self/fd`, `/proc/self/limits` and the boot time from `/proc/stat`;
    /// nil where `/proc` is missing (macOS) or unreadable. Blocking, but only on procfs, which never waits.
    package static func current() -> ProcessSample? {
        #if os(Linux)
        guard
            let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let bootTime = parseBootTime(system)
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard ticks > 0, pageSize > 0, let fields = parseStat(stat) else { return nil }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8)
        return ProcessSample(
            residentMemoryBytes: fields.residentPages * pageSize,
            virtualMemoryBytes: fields.virtualBytes,
            cpuSeconds: Double(fields.userTicks + fields.systemTicks) / ticks,
            // Listing the directory opens one more descriptor of its own.
            openFileDescriptors: max(0, descriptors - 1),
            maxFileDescriptors: limits.flatMap(parseMaxOpenFiles),
            startTimeSeconds: bootTime + Double(fields.startTicks) / ticks
        )
        #else
        return nil
        #endif
    }

    struct StatFields: Equatable {
        var userTicks: Int
        var systemTicks: Int
        var startTicks: Int
        var virtualBytes: Int
        var residentPages: Int
    }

    /// Fields of `/proc/self/stat` (proc(5)): the command name in parentheses may hold spaces and parentheses, so
    /// counting starts after the last `)`, where field 3 (state) begins.
    static func parseStat(_ text: String) -> StatFields? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest[0] is field 3; field n is rest[n - 3].
        func field(_ number: Int) -> Int? {
            let index = number - 3
            return index < rest.count ? Int(rest[index].trimmingCharacters(in: .whitespacesAndNewlines)) : nil
        }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23), let rss = field(24) else {
            return nil
        }
        return StatFields(userTicks: user, systemTicks: system, startTicks: start, virtualBytes: virtual, residentPages: rss)
    }

    /// The `btime` line of `/proc/stat`: boot time in seconds since the epoch.
    static func parseBootTime(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The soft limit of the `Max open files` line of `/proc/self/limits`.
    static func parseMaxOpenFiles(_ text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            let columns = line.dropFirst("Max open files".count).split(separator: " ", omittingEmptySubsequences: true)
            return columns.first.flatMap { Int($0) }
        }
        return nil
    }
}

/// How much CPU time `process_cpu_seconds_total` has counted so far in each registry, so each scrape adds only the
/// difference, however many process collectors share the registry.
enum CPUCounted {
    private static let counted = Mutex<[ObjectIdentifier: Double]>([:])

    /// Returns the seconds to add to reach `total` in `registry`, never negative.
    static func advance(_ registry: ObjectIdentifier, to total: Double) -> Double {
        counted.withLock { counted in
            let previous = counted[registry] ?? 0
            counted[registry] = max(previous, total)
            return max(0, total - previous)
        }
    }
}

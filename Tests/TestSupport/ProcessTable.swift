import Foundation

/// Command lines of the processes on this machine that contain `marker`, shells (`sh -c …`) excluded: a test starts
/// `sleep MARKER` under a shell and watches whether the sleep outlives what should end it.
package func processes(matching marker: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
        guard Int(entry) != nil, let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
        let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return line.contains(marker) && !line.contains("sh -c") ? line : nil
    }
}

import FileSystem
import Foundation

/// glibc's spawn file actions that Swift cannot import: their declarations sit behind `_GNU_SOURCE` in the headers the
/// Glibc module is built from, so they are looked up at run time, once, through `FileSystem.SystemCalls` (which also
/// holds `pipe2`).
enum GlibcExtensions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+).
    static let addChdir: AddChdir? = SystemCalls.symbol("posix_spawn_file_actions_addchdir_np")
    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+).
    static let addCloseFrom: AddCloseFrom? = SystemCalls.symbol("posix_spawn_file_actions_addclosefrom_np")

    /// Adds to `actions` the closing of every descriptor from 3 up, after the earlier `dup2`s ran. Where glibc
    /// is older than 2.34, each descriptor open now is closed by name instead; one opened by another thread
    /// between this listing and the spawn can then still slip through, which the newer call rules out.
    static func closeDescriptorsFromThree(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>) {
        if let addCloseFrom {
            _ = addCloseFrom(actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            _ = posix_spawn_file_actions_addclose(actions, descriptor)
        }
    }
}

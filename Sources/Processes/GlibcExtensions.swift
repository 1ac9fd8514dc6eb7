import Foundation

/// glibc functions that Swift cannot import: their declarations sit behind `_GNU_SOURCE` in the headers the Glibc
/// module is built from, so they are looked up at run time, once.
enum GlibcExtensions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+).
    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+).
    static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    private static let pipe2Function: Pipe2? = symbol("pipe2")

    /// pipe2(2); glibc has had it since 2.9, so the lookup cannot fail on any system Swift runs on.
    static func pipe2(_ descriptors: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32 {
        guard let pipe2Function else {
            errno = ENOSYS
            return -1
        }
        return pipe2Function(descriptors, flags)
    }

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

    private static func symbol<Function>(_ name: String) -> Function? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }
}

import Foundation

/// Linux calls that Swift cannot import: glibc declares `pipe2` and `renameat2` only under `_GNU_SOURCE`, which the
/// Glibc module is not built with, and has no wrapper for `openat2` at all (it is reached through the variadic
/// `syscall(2)`, which Swift cannot call directly either). Each is looked up once at run time; where it is missing
/// the call fails with `ENOSYS`, and callers fall back to what every system has.
///
/// ```swift
/// var ends: [Int32] = [-1, -1]
/// guard SystemCalls.pipe2(&ends, O_CLOEXEC) == 0 else { throw FileSystemError("cannot create a pipe") }
/// ```
package enum SystemCalls {
    /// `RENAME_NOREPLACE` (linux/fs.h): fail with `EEXIST` instead of replacing the new name.
    package static let renameNoReplace: UInt32 = 1
    /// `RESOLVE_NO_SYMLINKS` (linux/openat2.h): fail with `ELOOP` on a symbolic link in any component.
    package static let resolveNoSymlinks: UInt64 = 0x04
    /// `RESOLVE_BENEATH` (linux/openat2.h): fail with `EXDEV` if resolution would leave the starting folder.
    package static let resolveBeneath: UInt64 = 0x08

    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    /// `syscall(2)` as `openat2` uses it. glibc's `syscall` is variadic, but on the Linux ABIs Swift runs on (x86-64,
    /// AArch64) integer and pointer arguments travel in the same registers whether variadic or not, and glibc
    /// implements it in assembly that only moves them into the kernel's registers.
    private typealias Syscall4 = @convention(c) (Int, Int32, UnsafePointer<CChar>, UnsafeRawPointer, Int) -> Int

    private static let pipe2Function: Pipe2? = symbol("pipe2")
    private static let renameAt2Function: RenameAt2? = symbol("renameat2")
    private static let syscallFunction: Syscall4? = symbol("syscall")

    /// The system call number of `openat2` (Linux 5.6+), the same on every architecture that numbers new calls alike.
    private static var openat2Number: Int? {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        437
        #else
        nil
        #endif
    }

    /// pipe2(2): both ends are created with `flags` (`O_CLOEXEC`) in one step, so a child spawned by another thread
    /// meanwhile cannot inherit them.
    package static func pipe2(_ descriptors: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32 {
        guard let pipe2Function else {
            errno = ENOSYS
            return -1
        }
        return pipe2Function(descriptors, flags)
    }

    /// renameat2(2) (glibc 2.28+, Linux 3.15+); `ENOSYS` where glibc lacks it, `EINVAL` where the file system does
    /// not support `flags`.
    package static func renameat2(_ oldFolder: Int32, _ oldName: String, _ newFolder: Int32, _ newName: String, _ flags: UInt32) -> Int32 {
        guard let renameAt2Function else {
            errno = ENOSYS
            return -1
        }
        return renameAt2Function(oldFolder, oldName, newFolder, newName, flags)
    }

    /// openat2(2) (Linux 5.6+): opens `path` relative to `folder` with `flags` and `mode`, resolved as `resolve` says.
    /// - Returns: the descriptor, or -1 with `errno` set (`ENOSYS` where the kernel or the platform lacks the call; a
    ///   container's seccomp filter may answer `EPERM` instead).
    package static func openat2(_ folder: Int32, _ path: String, flags: Int32, mode: UInt32 = 0, resolve: UInt64) -> Int32 {
        guard let syscallFunction, let number = openat2Number else {
            errno = ENOSYS
            return -1
        }
        // struct open_how { __u64 flags; __u64 mode; __u64 resolve; }
        let how: [UInt64] = [UInt64(UInt32(bitPattern: flags)), UInt64(mode), resolve]
        let result = how.withUnsafeBytes { syscallFunction(number, folder, path, $0.baseAddress!, $0.count) }
        return Int32(truncatingIfNeeded: result)
    }

    /// The C function `name` of the running process (glibc's included), looked up with `dlsym`; nil where it is
    /// missing. `Function` must be the `@convention(c)` type of its real signature.
    package static func symbol<Function>(_ name: String) -> Function? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }
}

package import FileSystem
import Foundation

extension ScoringLocations {
    /// Opens a local input that ``resolve(_:role:confined:workingDirectory:)`` accepted, beneath the folder its run
    /// may use: the scoring folder for API runs, `/` for job files. The path was free of symbolic links when it was
    /// resolved, so none may appear in it now (``FileSystem/DirectoryHandle``): a folder swapped for a link since the
    /// check is refused rather than followed out of the scoring folder or into a protected one. Blocking.
    /// - Returns: the open regular file, owned by the caller.
    /// - Throws: ``FileSystem/FileSystemError`` naming what is in the way.
    package func openInput(resolvedPath path: String, confined: Bool) throws(FileSystemError) -> Int32 {
        let (folder, relative) = beneath(resolvedPath: path, confined: confined)
        return try DirectoryHandle(path: folder).openFile(beneath: relative)
    }

    /// The folder an output that ``resolve(_:role:confined:workingDirectory:)`` accepted lands in, opened beneath the
    /// run's folder as ``openInput(resolvedPath:confined:)`` opens inputs; missing folders are created on the way.
    /// Blocking.
    /// - Returns: the open folder, and the output's name in it.
    package func openOutputFolder(resolvedPath path: String, confined: Bool) throws(FileSystemError) -> (folder: DirectoryHandle, name: String) {
        let (folder, relative) = beneath(resolvedPath: path, confined: confined)
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        let parent = try DirectoryHandle(path: folder).folder(beneath: parts.dropLast().joined(separator: "/"), creating: true)
        return (parent, String(parts.last ?? ""))
    }

    /// The folder a run opens first and the path beneath it. Blocking (the scoring folder's links are resolved, as
    /// ``resolve(_:role:confined:workingDirectory:)`` resolved them).
    func beneath(resolvedPath path: String, confined: Bool) -> (folder: String, relative: String) {
        let folder = confined ? Self.resolvedPath(scoringDirectory) : "/"
        let bytes = Array(path.utf8)
        let start = folder == "/" ? 1 : folder.utf8.count + 1
        // resolve() keeps API runs' paths below the scoring folder; anything else stays whole, and is refused beneath.
        guard bytes.count > start, Self.path(bytes, isBelow: Array(folder.utf8)) else { return (folder, path) }
        return (folder, String(decoding: bytes[start...], as: UTF8.self))
    }
}

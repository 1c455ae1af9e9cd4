import Foundation

/// The git commit a revision folder is deployed from, so `hoist list` can show what was
/// deployed in the team's own words. Asks the `git` on PATH; no git, no work tree or a
/// bundle file means no commit.
enum GitWorkTree {
    /// `3f9a1c2b7d4e`, or `3f9a1c2b7d4e+dirty` when tracked files under `folder` have
    /// changes that are not committed; nil when `folder` is not inside a git work tree.
    static func commit(of folder: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
              let head = git(["rev-parse", "--short=12", "HEAD"], in: folder), !head.isEmpty
        else { return nil }
        let changes = git(["status", "--porcelain", "--untracked-files=no", "--", "."], in: folder) ?? ""
        return changes.isEmpty ? head : head + "+dirty"
    }

    private static func git(_ arguments: [String], in folder: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

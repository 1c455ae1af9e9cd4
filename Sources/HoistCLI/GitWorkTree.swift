import Foundation

/// The git commit a revision folder is deployed from, so `hoist list` can show what was
/// deployed in the team's own words. Asks the `git` on PATH; no git, no work tree or a
/// bundle file means no commit.
enum GitWorkTree {
    /// `3f9a1c2b7d4e`; `3f9a1c2b7d4e+dirty` when tracked files under `folder` have changes
    /// that are not committed, `+untracked` when it holds files git does not track and does
    /// not ignore (ignored ones, such as built assets, are left out). nil when `folder` is not
    /// inside a git work tree or git tracks nothing in it: a folder the commit does not hold
    /// was labelled with it as if it did.
    static func commit(of folder: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
              let head = git(["rev-parse", "--short=12", "HEAD"], in: folder), !head.isEmpty,
              let tracked = git(["ls-tree", "--name-only", "HEAD", "--", "."], in: folder), !tracked.isEmpty
        else { return nil }
        let changes = (git(["status", "--porcelain", "--untracked-files=normal", "--", "."], in: folder) ?? "")
            .split(separator: "\n")
        if changes.contains(where: { !$0.hasPrefix("??") }) { return head + "+dirty" }
        return changes.isEmpty ? head : head + "+untracked"
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

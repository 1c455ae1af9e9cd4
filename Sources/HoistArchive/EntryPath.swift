/// Lexical path rules for bundle entries. Everything is decided on the names alone, before
/// anything touches a disk.
enum EntryPath {
    enum Normalised: Equatable {
        /// The revision root itself (`.`, `./`): carries nothing to install.
        case root
        case path(String)
        case problem(String)
    }

    /// `./a//b/` -> `a/b`; refuses absolute paths and `..` components.
    static func normalise(_ name: String) -> Normalised {
        if name.hasPrefix("/") { return .problem("absolute path; entries must be relative to the revision") }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if parts.contains("..") { return .problem("path escapes the revision (contains \"..\")") }
        return parts.isEmpty ? .root : .path(parts.joined(separator: "/"))
    }

    /// Linux's limits: a name of at most 255 bytes (NAME_MAX) and a path of at most 4,095
    /// (PATH_MAX less its NUL). Checked on the revision's own paths so that `validate` refuses
    /// what a host's tar or cp would fail on after ApplicationStop; destinations are checked by
    /// the install planner.
    static let maxComponentBytes = 255
    static let maxPathBytes = 4095

    static func lengthProblem(_ path: String) -> String? {
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > maxComponentBytes }) {
            return "the name \"\(EntryName.display(String(long.prefix(40))))…\" is \(long.utf8.count) bytes long; Linux allows \(maxComponentBytes) bytes per name"
        }
        if path.utf8.count > maxPathBytes {
            return "the path is \(path.utf8.count) bytes long; Linux allows \(maxPathBytes) bytes"
        }
        return nil
    }

    /// Where a symlink at `linkPath` with text `target` lands, resolved lexically against the
    /// link's directory; nil when it leaves the revision.
    static func resolveSymlink(at linkPath: String, target: String) -> String? {
        if target.hasPrefix("/") { return nil }
        var stack = linkPath.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if stack.isEmpty { return nil }
                stack.removeLast()
            default: stack.append(String(part))
            }
        }
        return stack.joined(separator: "/")
    }

    /// The parent directories of a normalised path, nearest last: `a/b/c` -> [`a`, `a/b`].
    static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var current = ""
        for part in path.split(separator: "/").dropLast() {
            current = current.isEmpty ? String(part) : current + "/" + part
            result.append(current)
        }
        return result
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

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

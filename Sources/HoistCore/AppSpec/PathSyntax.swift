/// Lexical path rules shared by the AppSpec parser, the install planner and the script
/// checks: no disk access, so the same answer on the coordinator and in tests.
public enum PathSyntax {
    /// A bundle-relative path with ".", "" and leading "/" dropped and ".." resolved; nil when
    /// ".." would leave the bundle. "" is the bundle root (CodeDeploy joins the source onto the
    /// archive directory, so `/`, `./` and `""` all mean the whole revision).
    public static func normalizeRelative(_ path: String) -> String? {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if parts.isEmpty { return nil }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// An absolute path with duplicate "/", "." and ".." resolved the way Ruby's
    /// `File.expand_path` does for absolute input (".." at "/" stays at "/"), no trailing "/".
    /// nil when `path` is not absolute.
    public static func normalizeAbsolute(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `a/b` + `c` → `a/b/c`, without doubling "/" (either side may be empty or "/").
    public static func join(_ base: String, _ name: String) -> String {
        if name.isEmpty { return base }
        if base.isEmpty { return name }
        return base.hasSuffix("/") ? base + name : base + "/" + name
    }

    /// The last component (`a/b/c` → `c`; `c` → `c`).
    public static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The parent (`/a/b` → `/a`, `/a` → `/`, `a/b` → `a`, `a` → "").
    public static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Every ancestor of an absolute path below "/", outermost first: `/a/b/c` → [`/a`, `/a/b`].
    public static func ancestors(ofAbsolute path: String) -> [String] {
        var out: [String] = []
        var current = dirname(path)
        while current != "/" && !current.isEmpty {
            out.append(current)
            current = dirname(current)
        }
        return out.reversed()
    }
}

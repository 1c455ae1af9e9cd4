import HoistCore

/// Checks of an AppSpec against the bundle it came in, which the parser cannot do alone.
public enum AppSpecChecks {
    /// One error per hook script whose `location` is missing from the bundle or is a
    /// directory (CodeDeploy only finds out when the event runs).
    public static func checkScriptsExist(
        _ appSpec: AppSpec, entries: [BundleEntry], fileName: String = "appspec.yml"
    ) -> [Diagnostic] {
        let index = BundleIndex(entries)
        var diagnostics: [Diagnostic] = []
        for event in LifecycleEvent.allCases {
            for (i, script) in appSpec.scripts(for: event).enumerated() {
                guard let path = PathSyntax.normalizeRelative(script.location) else { continue }
                let problem: (String, String)?
                switch index.kind(path) {
                case nil:
                    problem = ("Script does not exist at specified location: \(script.location)",
                        "add the script to the bundle, or fix `location` (it is relative to the bundle root)")
                case .directory?:
                    problem = ("the script location (\(script.location)) is a directory in the bundle",
                        "point `location` at the script file itself")
                default:
                    // The host's kernel resolves the location as written, as CodeDeploy's agent
                    // lets it: `x.sh/`, `x.sh/.` and `nodir/../x.sh` read as `x.sh` but are not
                    // found there.
                    problem = firstNonFolder(on: script.location, in: index).map { notFolder in
                        ("Script does not exist at specified location: \(script.location)",
                         "\(notFolder) is not a folder in the bundle, so the host would not find the script; write the location as \(path)")
                    } ?? danglingLink(path, in: index).map { target in
                        ("Script does not exist at specified location: \(script.location)",
                         "it is a link to \(target), which is not a file in the bundle; point `location` at the script itself")
                    }
                }
                if let (message, hint) = problem {
                    diagnostics.append(Diagnostic(
                        .error, file: fileName, line: script.position?.line, column: script.position?.column,
                        keyPath: "hooks.\(event.rawValue)[\(i)].location", message: message, hint: hint))
                }
            }
        }
        return diagnostics
    }

    /// Where the link at `path` (through any links it leads to) fails to end at a file of the
    /// bundle, as the host's kernel follows it; nil when `path` is no link or ends at a file.
    /// A link to a missing script passed validate, and the event failed with ScriptMissing
    /// after ApplicationStop.
    static func danglingLink(_ path: String, in index: BundleIndex) -> String? {
        var current = path
        for _ in 0..<40 {
            guard case .symlink(let target)? = index.kind(current) else { return nil }
            let written = target.hasPrefix("/") ? target : PathSyntax.join(PathSyntax.dirname(current), target)
            guard !target.hasPrefix("/"), firstNonFolder(on: written, in: index) == nil,
                  let next = PathSyntax.normalizeRelative(written), let kind = index.kind(next) else { return target }
            if case .symlink = kind {
                current = next
                continue
            }
            return kind == .file ? nil : target
        }
        return target(of: current, in: index)
    }

    private static func target(of path: String, in index: BundleIndex) -> String {
        if case .symlink(let target)? = index.kind(path) { return target }
        return path
    }

    /// The first path the kernel would have to look into that is not a folder of the bundle
    /// (a file, a link to one, or nothing), walking `location` as written: each component is
    /// looked up in what came before it, and a trailing `/` asks for a folder. nil when every
    /// step is a folder.
    static func firstNonFolder(on location: String, in index: BundleIndex) -> String? {
        let components = location.split(separator: "/", omittingEmptySubsequences: true)
        var parts: [Substring] = []
        for (k, component) in components.enumerated() {
            let current = parts.joined(separator: "/")
            if k > 0, !index.isDirectory(current) { return current }
            switch component {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(component)
            }
        }
        let last = parts.joined(separator: "/")
        if location.hasSuffix("/") || components.last == "." || components.last == "..", index.kind(last) != nil, !index.isDirectory(last) {
            return last
        }
        return nil
    }
}

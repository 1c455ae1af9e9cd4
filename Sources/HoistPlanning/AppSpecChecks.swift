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
                    problem = nil
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
}

/// Finds the AppSpec among a revision's root entries: `appspec.yml`, then `appspec.yaml`
/// (the order CodeDeploy's Install uses; Hoist uses it for every step).
public enum AppSpecLocator {
    public static let candidates = ["appspec.yml", "appspec.yaml"]

    /// The name to read, or nil when the revision has no AppSpec at its root.
    public static func locate(rootEntries: [String]) -> String? {
        let names = Set(rootEntries.map { $0.hasPrefix("./") ? String($0.dropFirst(2)) : $0 })
        return candidates.first(where: names.contains)
    }
}

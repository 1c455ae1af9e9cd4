import HoistCore

/// What a file given on the command line holds, so commands can take a playbook or an
/// inventory in the same argument.
public enum ConfigFileKind: Sendable, Hashable {
    case playbook
    case inventory
    /// Nothing but blank lines and comments: neither kind can be told from that, and calling
    /// it an empty inventory misled `hoist deploy empty.yml`.
    case empty

    /// A YAML file with `application`, `targets`, `inventory` or `deployment_group` at the top
    /// is a playbook; anything else is an inventory.
    public static func detect(text: String, file: String) -> ConfigFileKind {
        if TextLines.lines(text).allSatisfy({ $0.trimming(" \t").isEmpty || $0.trimming(" \t").hasPrefix("#") }) { return .empty }
        if InventoryLoader.detectFormat(text: text, file: file) == .ansibleINI { return .inventory }
        return PlaybookParser.looksLikePlaybook(text) ? .playbook : .inventory
    }
}

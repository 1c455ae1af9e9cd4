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
    /// is a playbook, whatever its name; anything else is an inventory. The text decides
    /// first: a playbook named `o` was read as an INI inventory (no extension) and failed
    /// with "'probe' is not a key=value host variable". No INI inventory is such a mapping.
    public static func detect(text: String, file: String) -> ConfigFileKind {
        if TextLines.lines(text).allSatisfy({ $0.trimming(" \t").isEmpty || $0.trimming(" \t").hasPrefix("#") }) { return .empty }
        return PlaybookParser.looksLikePlaybook(text) ? .playbook : .inventory
    }
}

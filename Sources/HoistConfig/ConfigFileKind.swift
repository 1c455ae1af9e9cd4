/// What a file given on the command line holds, so commands can take a playbook or an
/// inventory in the same argument.
public enum ConfigFileKind: Sendable, Hashable {
    case playbook
    case inventory

    /// A YAML file with `application`, `targets`, `inventory` or `deployment_group` at the top
    /// is a playbook; anything else is an inventory.
    public static func detect(text: String, file: String) -> ConfigFileKind {
        if InventoryLoader.detectFormat(text: text, file: file) == .ansibleINI { return .inventory }
        return PlaybookParser.looksLikePlaybook(text) ? .playbook : .inventory
    }
}

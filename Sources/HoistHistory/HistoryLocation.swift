import Foundation

/// Where the history file lives. One file per user by default, so every deployment on this
/// machine, whatever its playbook, shows up in `hoist list`.
public enum HistoryLocation {
    public static let fileName = "history.sqlite3"

    /// The history file to use, first match wins: the `--db` flag; the path the playbook
    /// sets (already resolved against the playbook's folder); `$XDG_STATE_HOME/hoist/`;
    /// `~/.local/state/hoist/`. A leading `~/` means `$HOME`. `XDG_STATE_HOME` counts only
    /// when absolute, as the XDG spec says.
    public static func resolve(flag: String?, playbook: String?, environment: [String: String]) -> String {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        if let flag, !flag.isEmpty { return expandingTilde(flag, home: home) }
        if let playbook, !playbook.isEmpty { return expandingTilde(playbook, home: home) }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return join(state, "hoist", fileName)
        }
        return join(home, ".local/state/hoist", fileName)
    }

    private static func expandingTilde(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return join(home, String(path.dropFirst(2))) }
        return path
    }

    private static func join(_ parts: String...) -> String {
        parts.dropFirst().reduce(parts[0]) { base, part in
            base.hasSuffix("/") ? base + part : base + "/" + part
        }
    }
}

import Foundation
import HoistCore

/// Where the history file lives. One file per user by default, so every deployment on this
/// machine, whatever its playbook, shows up in `hoist list`.
public enum HistoryLocation {
    public static let fileName = "history.sqlite3"

    /// The history file to use, first match wins: the `--db` flag; the path the playbook
    /// sets (already resolved against the playbook's folder); `$XDG_STATE_HOME/hoist/`;
    /// `~/.local/state/hoist/`. A leading `~/` means `$HOME`. `XDG_STATE_HOME` counts only
    /// when absolute, as the XDG spec says.
    public static func resolve(flag: String?, playbook: String?, environment: [String: String]) -> String {
        let home = XDGDirectory.home(environment)
        if let flag, !flag.isEmpty { return expandingTilde(flag, home: home) }
        if let playbook, !playbook.isEmpty { return expandingTilde(playbook, home: home) }
        return XDGDirectory.state.path("hoist/" + fileName, environment)
    }

    private static func expandingTilde(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return XDGDirectory.join(home, String(path.dropFirst(2))) }
        return path
    }
}

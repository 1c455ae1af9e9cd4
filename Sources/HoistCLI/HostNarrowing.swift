import ArgumentParser
import Foundation
import HoistCore
import HoistPlanning

/// `a, b,c` → `["a", "b", "c"]`: the form of every comma-separated host list on the command line.
func splitNames(_ text: String) -> [String] {
    text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// `--hosts PATTERN` for every command that takes it: keeps the hosts of the selection that
/// an Ansible `--limit`-style pattern (`HostPattern`) names, in the selection's order. A term
/// that matches no selected host is invalid input, so a typo never silently shrinks the run.
func narrowHosts(_ selected: [HostSpec], to pattern: String?) throws -> [HostSpec] {
    guard let pattern else { return selected }
    return try narrowHosts(selected, toNames: splitNames(pattern))
}

/// The same with the pattern's terms already split (host names recorded in the history are
/// terms that match themselves).
func narrowHosts(_ selected: [HostSpec], toNames terms: [String]?) throws -> [HostSpec] {
    guard let terms else { return selected }
    do {
        return try HostPattern(terms: terms).select(from: selected)
    } catch {
        printToStderr("hoist: --hosts \(terms.joined(separator: ",")): \(error); the selected hosts are \(selected.map(\.name).joined(separator: ", "))")
        throw InvalidInput(diagnostics: [])
    }
}

/// The help of every `--hosts` option.
enum HostPatternHelp {
    static func help(_ what: String = "Only the selected hosts", note: String = "") -> ArgumentHelp {
        ArgumentHelp(
            "\(what) this pattern names (Ansible --limit style): names or globs (web*), tag or group names (canary, role), key=value, &intersections, !exclusions, comma-separated.\(note)",
            valueName: "pattern")
    }
}

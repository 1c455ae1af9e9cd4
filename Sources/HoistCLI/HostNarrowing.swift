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

/// Hosts an earlier deployment recorded (redeploy, rollback's default) that the group still
/// has. A host retired from the inventory since is left out with a note, not refused as a
/// typo would be; with none left there is nothing to deploy to.
func recordedHostsStillInGroup(_ names: [String], of deployment: DeploymentID, group: [HostSpec]) throws -> [String] {
    let inGroup = Set(group.map(\.name))
    let kept = names.filter(inGroup.contains)
    let gone = names.filter { !inGroup.contains($0) }
    if !gone.isEmpty, !kept.isEmpty {
        printToStderr("hoist: \(gone.joined(separator: ", ")) of \(deployment) \(gone.count == 1 ? "is" : "are") no longer in the group; deploying to its other \(kept.count == 1 ? "host" : "\(kept.count) hosts")")
    }
    guard !kept.isEmpty else {
        printToStderr("hoist: none of \(deployment)'s hosts (\(gone.joined(separator: ", "))) is in the group any more; `hoist deploy` deploys a revision to the group as it is now")
        throw InvalidInput(diagnostics: [])
    }
    return kept
}

/// The help of every `--hosts` option.
enum HostPatternHelp {
    static func help(_ what: String = "Only the selected hosts", note: String = "") -> ArgumentHelp {
        ArgumentHelp(
            "\(what) this pattern names (Ansible --limit style): names or globs (web*), tag or group names (canary, role), key=value, &intersections, !exclusions, comma-separated.\(note)",
            valueName: "pattern")
    }
}

/// Entries that reach one machine: `hoist deploy` refuses them among the hosts it deploys to,
/// `hoist hosts` warns of them.
func sameMachineProblems(_ hosts: [HostSpec], inventory: String) -> [String] {
    SameMachineHosts.find(hosts).map { twin in
        "\(inventory): \(HostNameList.text(twin.names)) all reach \(twin.endpoint): one deployment "
            + "would run on that machine twice at once; keep one entry for it (a host may carry several tags)"
    }
}

import Foundation
import HoistCore

/// `a, b,c` → `["a", "b", "c"]`: the form of every comma-separated host list on the command line.
func splitNames(_ text: String) -> [String] {
    text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// `--hosts a,b` for every command that takes it: keeps only the named hosts of the
/// selection, in the selection's order. A name that is not selected is invalid input, so a
/// typo never silently shrinks the run.
func narrowHosts(_ selected: [HostSpec], to list: String?) throws -> [HostSpec] {
    guard let list else { return selected }
    return try narrowHosts(selected, toNames: splitNames(list))
}

func narrowHosts(_ selected: [HostSpec], toNames names: [String]?) throws -> [HostSpec] {
    guard let names else { return selected }
    let known = Set(selected.map(\.name))
    let unknown = names.filter { !known.contains($0) }
    guard unknown.isEmpty, !names.isEmpty else {
        let what = names.isEmpty ? "names no host" : "names hosts the playbook does not select: \(unknown.joined(separator: ", "))"
        printToStderr("hoist: --hosts \(what); the selected hosts are \(selected.map(\.name).joined(separator: ", "))")
        throw InvalidInput(diagnostics: [])
    }
    let wanted = Set(names)
    return selected.filter { wanted.contains($0.name) }
}

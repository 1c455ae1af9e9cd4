import Foundation
import HoistCore

/// `--hosts a,b` for the ad hoc commands (ping, exec): keeps only the named hosts of the
/// selection, in the selection's order. A name that is not selected is invalid input, so a
/// typo never silently shrinks the run.
func narrowHosts(_ selected: [HostSpec], to list: String?, command: String) throws -> [HostSpec] {
    guard let list else { return selected }
    let names = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    let known = Set(selected.map(\.name))
    let unknown = names.filter { !known.contains($0) }
    guard unknown.isEmpty, !names.isEmpty else {
        let what = names.isEmpty ? "names no host" : "\(unknown.joined(separator: ", ")) not among the selected hosts"
        printToStderr("hoist \(command): --hosts \(what); the selected hosts are \(selected.map(\.name).joined(separator: ", "))")
        throw InvalidInput(diagnostics: [])
    }
    let wanted = Set(names)
    return selected.filter { wanted.contains($0.name) }
}

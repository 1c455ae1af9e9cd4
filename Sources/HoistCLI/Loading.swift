import Foundation
import HoistConfig
import HoistCore
import HoistPlanning

/// What a command works on: a playbook with its selected hosts, or a bare inventory (every
/// host selected).
public struct LoadedTarget: Sendable {
    public var playbook: Playbook?
    public var inventory: Inventory
    public var selection: TargetSelection
    public var hosts: [HostSpec] { selection.hosts }
}

/// Invalid input: every diagnostic has been printed to stderr; exit with code 2.
public struct InvalidInput: Error, Sendable {
    public var diagnostics: [Diagnostic]
}

/// Loads a playbook or an inventory named on the command line, resolves its hosts and
/// applies the playbook's tag groups. Diagnostics (warnings too) go to stderr; on any error
/// it throws `InvalidInput`. An empty selection is an error naming the tag group to blame.
public func loadTarget(path: String, environment: ConfigEnvironment = .process) throws -> LoadedTarget {
    guard let text = environment.readFile(environment.absolute(path)) else {
        throw report([Diagnostic(file: path, message: "cannot read the file", hint: "check that the path exists and is readable")])
    }
    switch ConfigFileKind.detect(text: text, file: path) {
    case .empty:
        throw report([Diagnostic(file: path, message: "the file is empty",
                                 hint: "a playbook names application, inventory and targets (see playbooks/); an inventory lists hosts (see inventory/)")])
    case .inventory:
        let inventory = try unwrap(InventoryLoader.parse(text: text, file: path, environment: environment))
        printWarnings(inventory.warnings)
        return LoadedTarget(playbook: nil, inventory: inventory,
                            selection: TargetSelection.select(hosts: inventory.hosts, groups: []))
    case .playbook:
        let playbook = try unwrap(PlaybookParser.parse(
            text: text, file: path, baseDirectory: environment.folder(of: path), homeDirectory: environment.homeDirectory,
            environment: environment.variables))
        let inventory = try unwrap(PlaybookLoader.inventory(for: playbook, environment: environment))
        printWarnings(inventory.warnings)
        let selection = TargetSelection.select(hosts: inventory.hosts, groups: playbook.targets)
        if let problem = selection.emptySelectionDiagnostic(file: path, inventory: inventory.file) {
            throw report([problem])
        }
        return LoadedTarget(playbook: playbook, inventory: inventory, selection: selection)
    }
}

/// Reads a playbook without its inventory (`hoist local --playbook` uses only its triggers
/// and alarms). Diagnostics go to stderr; on any error it throws `InvalidInput`.
func loadPlaybookOnly(path: String, environment: ConfigEnvironment = .process) throws -> Playbook {
    try unwrap(PlaybookLoader.load(path: path, environment: environment))
}

private func unwrap<T>(_ result: Result<T, DiagnosticsError>) throws -> T {
    switch result {
    case .success(let value): return value
    case .failure(let error): throw report(error.diagnostics)
    }
}

private func report(_ diagnostics: [Diagnostic]) -> InvalidInput {
    printToStderr(diagnostics.map(\.description).joined(separator: "\n"))
    return InvalidInput(diagnostics: diagnostics)
}

private func printWarnings(_ warnings: [Diagnostic]) {
    if !warnings.isEmpty { printToStderr(warnings.map(\.description).joined(separator: "\n")) }
}

func printToStderr(_ text: String) {
    Console.shared.err(text)
}

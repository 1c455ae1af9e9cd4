import ArgumentParser
import Foundation
import HoistCore
import HoistHistory

/// What the shell completion scripts (`hoist --generate-completion-script bash|zsh|fish`)
/// offer for each kind of argument: playbook and inventory files, revisions, and the
/// deployment ids in the history.
enum Completions {
    /// Playbooks and inventories: YAML files (and Ansible INI inventories) and folders.
    static let playbook = CompletionKind.file(extensions: ["yml", "yaml"])
    static let inventory = CompletionKind.file(extensions: ["yml", "yaml", "ini"])
    /// A revision folder or bundle file.
    static let revision = CompletionKind.file()

    /// The newest deployment ids of the history the command line names (`--db PATH`, else
    /// the `history:` of `--playbook PLAYBOOK`), else the default history file. Nothing when
    /// there is no history; a playbook that does not load only falls back to the default.
    static let deploymentID = CompletionKind.custom { words, _, prefix in
        deploymentIDs(words: words, prefix: prefix)
    }

    static func deploymentIDs(words: [String], prefix: String) -> [String] {
        func value(_ option: String) -> String? {
            for (index, word) in words.enumerated().reversed() {
                if word == option, index + 1 < words.count { return words[index + 1] }
                if word.hasPrefix(option + "=") { return String(word.dropFirst(option.count + 1)) }
            }
            return nil
        }
        let db = value("--db")
        let playbookHistory = db == nil ? value("--playbook").flatMap { try? loadTarget(path: $0).playbook?.historyPath } : nil
        let path = HistoryLocation.resolve(flag: db, playbook: playbookHistory, environment: ProcessInfo.processInfo.environment)
        guard FileManager.default.fileExists(atPath: path),
              let store = try? SQLiteHistoryStore(path: path),
              let rows = try? store.listDeployments(DeploymentFilter(limit: 50))
        else { return [] }
        return rows.map(\.id.rawValue).filter { $0.hasPrefix(prefix.uppercased()) || $0.hasPrefix(prefix) }
    }
}

import ArgumentParser
import Foundation
import HoistCore
import HoistHistory
import HoistHistoryPostgres

/// What the shell completion scripts (`hoist --generate-completion-script bash|zsh|fish`)
/// offer for each kind of argument: playbook and inventory files, revisions, and the
/// deployment ids in the history.
enum Completions {
    /// Playbooks and inventories: YAML files (and Ansible INI inventories) and folders.
    static let playbook = CompletionKind.file(extensions: ["yml", "yaml"])
    static let inventory = CompletionKind.file(extensions: ["yml", "yaml", "ini"])
    /// A revision folder or bundle file.
    static let revision = CompletionKind.file()

    /// The newest deployment ids of the history the command line names (`--db PATH`), else
    /// the default history file. Nothing when there is no history.
    static let deploymentID = CompletionKind.custom { words, _, prefix in
        deploymentIDs(words: words, prefix: prefix)
    }

    static func deploymentIDs(words: [String], prefix: String) -> [String] {
        var db: String?
        for (index, word) in words.enumerated() {
            if word == "--db", index + 1 < words.count { db = words[index + 1] }
            if word.hasPrefix("--db=") { db = String(word.dropFirst(5)) }
        }
        let environment = ProcessInfo.processInfo.environment
        let location = HistoryStoreChoice.location(db: db, playbook: nil, environment: environment)
        let store: (any HistoryStore)?
        if PostgresURL.isServerURL(location) {
            // A server that does not answer at once offers nothing rather than hang the shell.
            store = (try? PostgresURL(location, environment: environment)).flatMap { try? PostgresHistoryStore(url: $0, outageLimit: .seconds(1)) }
        } else {
            store = FileManager.default.fileExists(atPath: location) ? try? SQLiteHistoryStore(path: location) : nil
        }
        guard let rows = try? store?.listDeployments(DeploymentFilter(limit: 50)) else { return [] }
        return rows.map(\.id.rawValue).filter { $0.hasPrefix(prefix.uppercased()) || $0.hasPrefix(prefix) }
    }
}

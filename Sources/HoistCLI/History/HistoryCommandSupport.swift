import ArgumentParser
import Foundation
import HoistCore
import HoistEngine
import HoistHistory

/// The `--db` and `--playbook` options shared by the history commands, and opening the store
/// they name: the history file is found as `deploy` finds it (`--db`, else the playbook's
/// `history`, else the default file).
struct HistoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The history file or postgresql:// URL (default: $HOIST_HISTORY_URL, else the playbook's `history`, else $XDG_STATE_HOME/hoist/history.sqlite3, else ~/.local/state/hoist/history.sqlite3).",
        valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("The playbook: its `history` file is the one read, as deploy and rollback use it.", valueName: "playbook"),
            completion: Completions.playbook)
    var playbook: String?

    /// The store `--db` and `--playbook` name, found as deploy and rollback find it.
    func openStore() throws -> any HistoryStore {
        try openHistory(db: db, playbook: try playbookHistory())
    }

    /// The store for a command that only reads it (list, show, logs); nil, said on stderr,
    /// when it is a file that does not exist: reading one made it (`hoist list --db
    /// hist.sqlte3` printed "No deployments." and left an empty history behind).
    func openExistingStore() throws -> (any HistoryStore)? {
        let fromPlaybook = try playbookHistory()
        if let missing = HistoryStoreChoice.missingFile(db: db, playbook: fromPlaybook) {
            printToStderr("hoist: there is no history at \(missing) yet: nothing has been recorded there (check --db, "
                          + "HOIST_HISTORY_URL or the playbook's `history`)")
            return nil
        }
        return try openHistory(db: db, playbook: fromPlaybook)
    }

    private func playbookHistory() throws -> String? {
        guard let playbook, db == nil else { return nil }
        guard let pb = try loadTargetOrExit(playbook).playbook else { throw invalid("\(playbook) is an inventory; --playbook needs a playbook") }
        return pb.historyPath
    }

    /// The commands this one suggests, naming the history it read as it was named.
    var commands: SuggestedCommands { .naming(db: db, playbook: playbook) }

    /// `text` as a deployment id, or exit 2 saying what ids look like and where they are listed.
    func deploymentID(_ text: String) throws -> DeploymentID {
        guard let id = DeploymentID(text) else {
            throw HistoryCommandFailure.invalidInput(
                "'\(text)' is not a deployment id: ids look like d-AB12CD34E; `\(commands.list())` shows them.")
        }
        return id
    }

    /// Exit 2: the history read has no deployment `id`.
    func unknownDeployment(_ id: DeploymentID) -> ExitCode {
        HistoryCommandFailure.invalidInput("No deployment \(id) in the history; `\(commands.list())` shows the known ids.")
    }
}

/// How the history commands end when they cannot do what was asked: a sentence on stderr
/// and exit status 2 (invalid input: a bad id, filter or file).
enum HistoryCommandFailure {
    static let invalidInputStatus: Int32 = 2

    static func invalidInput(_ message: String) -> ExitCode {
        Console.shared.err("hoist: \(message)")
        return ExitCode(invalidInputStatus)
    }

    /// Runs `body`, turning a history error into its message and exit status 2, or 5 for
    /// a store that cannot be opened or reached, refuses, or has a schema this Hoist does not know.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HistoryError {
            switch error {
            case .cannotOpen, .unreachable, .schemaMismatch, .newerSchema, .storeFailed:
                Console.shared.err("hoist: \(error.description)")
                throw ExitCode(HoistExitCode.couldNotStart)
            default:
                throw invalidInput(error.description)
            }
        }
    }

    /// Parses a name of `Value` case-insensitively, or says which names there are.
    static func named<Value: RawRepresentable & CaseIterable>(_ text: String, _ what: String) throws -> Value
    where Value.RawValue == String {
        if let value = Value.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame }) {
            return value
        }
        let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
        throw invalidInput("'\(text)' is not a \(what); use one of \(names).")
    }
}

/// Writes text to stdout at once, unbuffered, so `logs --follow` shows lines as they come.
func writeToStandardOutput(_ text: String) {
    Console.shared.outText(text)
}

/// Why nobody runs `record` any more though the history calls it running (`AbandonedDeployment`:
/// its coordinator ran on this machine and is gone), or nil.
func abandonedReason(_ record: DeploymentRecord) -> String? {
    AbandonedDeployment.reason(record, thisMachine: ProcessInfo.processInfo.hostName)
}

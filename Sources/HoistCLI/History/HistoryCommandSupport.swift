import ArgumentParser
import Foundation
import HoistCore
import HoistHistory

/// The `--db` option shared by the history commands, and opening the store it names.
struct HistoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The history file (default: $XDG_STATE_HOME/hoist/history.sqlite3, else ~/.local/state/hoist/history.sqlite3).",
        valueName: "path"))
    var db: String?

    func openStore() throws -> SQLiteHistoryStore {
        let path = HistoryLocation.resolve(flag: db, playbook: nil, environment: ProcessInfo.processInfo.environment)
        return try HistoryCommandFailure.reporting { try SQLiteHistoryStore(path: path) }
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

    /// Runs `body`, turning a history error into its message and exit status 2.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HistoryError {
            throw invalidInput(error.description)
        }
    }

    static func deploymentID(_ text: String) throws -> DeploymentID {
        guard let id = DeploymentID(text) else {
            throw invalidInput("'\(text)' is not a deployment id: ids look like d-AB12CD34E; `hoist list` shows them.")
        }
        return id
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
    Console.shared.locked { $0(text) }
}

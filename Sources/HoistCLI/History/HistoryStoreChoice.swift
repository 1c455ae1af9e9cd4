import ArgumentParser
import Foundation
import HoistCore
import HoistHistory
import HoistHistoryPostgres

/// The one place that chooses and opens the history store, for every command (deploy,
/// rollback, redeploy, list, show, logs, stop, continue, lock): first match wins among
/// `--db` (a file or a `postgresql://` URL), `HOIST_HISTORY_URL`, the playbook's `history`,
/// and the default file (`HistoryLocation`). A URL opens the shared PostgreSQL store, a path
/// the SQLite file; anything that looks like another URL (`HistoryAddress`) is refused.
///
/// A server that cannot be reached, or whose schema this Hoist does not know, ends the
/// command before anything else happens (exit 5); a URL that does not parse is invalid
/// input (exit 2).
enum HistoryStoreChoice {
    /// Where the history is, as given (a path or a URL).
    static func location(db: String?, playbook: String?, environment: [String: String]) -> String {
        if let db, !db.isEmpty { return HistoryLocation.resolve(flag: db, playbook: nil, environment: environment) }
        if let url = environment["HOIST_HISTORY_URL"], !url.isEmpty {
            return HistoryLocation.resolve(flag: url, playbook: nil, environment: environment)
        }
        return HistoryLocation.resolve(flag: nil, playbook: playbook, environment: environment)
    }

    /// The history file `open` would create, when it names one that does not exist yet.
    static func missingFile(db: String?, playbook: String?) -> String? {
        let location = location(db: db, playbook: playbook, environment: ProcessInfo.processInfo.environment)
        guard case .file(let path) = HistoryAddress(location), !FileManager.default.fileExists(atPath: path) else { return nil }
        return path
    }

    static func open(db: String?, playbook: String?) throws -> any HistoryStore {
        let environment = ProcessInfo.processInfo.environment
        let location = location(db: db, playbook: playbook, environment: environment)
        // Refused like every other setting: `5s` fell back to 900 s without a word, and a cron
        // run held the group's lock through a whole outage. A SQLite file's write lock held
        // by another process is waited for as long.
        var outageLimit = 900.0
        if let text = environment["HOIST_HISTORY_OUTAGE_LIMIT"], !text.isEmpty {
            guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
                throw invalid("HOIST_HISTORY_OUTAGE_LIMIT='\(text)': must be a number of seconds, 0 or more (default 900)")
            }
            outageLimit = min(seconds, LongestDuration.seconds)
        }
        let server: String
        switch HistoryAddress(location) {
        case .notAURL(let typo): throw invalid("history: " + HistoryAddress.mistypedMessage(typo))
        case .file(let path):
            return try SQLiteHistoryStore(path: path, lockLimit: .seconds(outageLimit), notices: { printToStderr("hoist: " + $0) })
        case .server(let text): server = text
        }
        let url: PostgresURL
        do {
            url = try PostgresURL(server, environment: environment)
        } catch {
            throw invalid("history: \(error)")
        }
        do {
            return try PostgresHistoryStore(
                url: url, outageLimit: .seconds(outageLimit), notices: { printToStderr("hoist: " + $0) })
        } catch let error as HistoryError {
            printToStderr("hoist: \(error)")
            throw ExitCode(HoistExitCode.couldNotStart)
        }
    }
}

/// The history store for `--db` and a playbook's `history` (see `HistoryStoreChoice`); one
/// that cannot be opened ends the command with its reason, before any host is touched (exit 5).
func openHistory(db: String?, playbook: String?) throws -> any HistoryStore {
    try HistoryCommandFailure.reporting { try HistoryStoreChoice.open(db: db, playbook: playbook) }
}

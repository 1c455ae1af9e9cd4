/// Why the history could not do what was asked, as a sentence a user can act on.
public enum HistoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownDeployment(DeploymentID)
    case duplicateDeployment(DeploymentID)
    /// An event names a host the deployment has not recorded.
    case unknownHost(DeploymentID, host: String)
    /// The file was written by a newer Hoist whose schema this one does not know.
    case newerSchema(path: String)
    /// A stored value this version cannot read (an unknown status name, say).
    case unreadableValue(path: String, column: String, value: String)
    /// `trouble`: what kind of failure SQLite reported, told from its result code by the store.
    case cannotOpen(path: String, reason: String, trouble: OpenTrouble)
    /// The path names something that is not a Hoist history file; nothing in it was changed.
    case notAHistory(path: String, reason: String)
    /// A history server (PostgreSQL) that cannot be reached or refuses the connection.
    case unreachable(store: String, reason: String)
    /// The shared store's schema is not the one this Hoist knows: `found` and `known` name
    /// the last migration of each.
    case schemaMismatch(store: String, found: String, known: String, newer: Bool)
    /// The history server refused a statement (permissions, a full disk…); `advice` says
    /// what to do about that kind of refusal.
    case storeFailed(store: String, reason: String, advice: String)

    /// Why a history file would not open, for advice that fits: the store tells it from
    /// SQLite's result code, which says it in no other words than its message's.
    public enum OpenTrouble: Sendable, Equatable {
        /// Not a database, or a damaged one (SQLITE_CORRUPT, SQLITE_NOTADB).
        case damaged
        /// Another connection holds it (SQLITE_BUSY, SQLITE_LOCKED).
        case busy
        case other
    }

    public var description: String {
        switch self {
        case .unknownDeployment(let id):
            return "No deployment \(id) in the history; `hoist list` shows the known ids."
        case .duplicateDeployment(let id):
            return "A deployment \(id) is already in the history; start the new one with another id."
        case .unknownHost(let id, let host):
            return "Deployment \(id) has no host '\(host)' in the history; record the host before its events."
        case .newerSchema(let path):
            return "The history file \(path) was written by a newer Hoist; upgrade Hoist or pass another file with --db."
        case .unreadableValue(let path, let column, let value):
            return "The history file \(path) holds '\(value)' in \(column), which this Hoist does not know; it was probably written by a newer Hoist."
        case .cannotOpen(let path, let reason, let trouble):
            // A damaged or locked file is no folder's fault.
            let advice = switch trouble {
            case .damaged: "The file is damaged: restore it from a backup, or pass another file with --db."
            case .busy: "Another process holds it (an open sqlite3 shell?): let it finish, then try again."
            case .other: "Pass another file with --db, or make its folder writable."
            }
            return "Cannot open the history file \(path): \(reason). \(advice)"
        case .notAHistory(let path, let reason):
            return "\(path) is not a Hoist history file: \(reason). Hoist left it as it was; pass a history file, or a path where none exists yet, with --db (or `history:` in the playbook)."
        case .unreachable(let store, let reason):
            return "Cannot reach the history store \(store): \(reason). Check the server, the URL (`history:` in the playbook, HOIST_HISTORY_URL or --db) and the password (PGPASSWORD or ~/.pgpass)."
        case .storeFailed(let store, let reason, let advice):
            return "The history store \(store) refused a statement: \(reason). \(advice)"
        case .schemaMismatch(let store, let found, let known, let newer):
            return newer
                ? "The history store \(store) has schema \(found), newer than this Hoist's \(known); upgrade Hoist on this machine before it writes there."
                : "The history store \(store) has schema \(found), older than this Hoist's \(known), and was not migrated; run any hoist command against it with this version to migrate it."
        }
    }
}

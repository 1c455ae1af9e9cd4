import Foundation
import GRDB
import HoistCore

#if canImport(Glibc)
import Glibc
#endif

/// Opening a history narrows its file to 0600, turns it to WAL mode and adds Hoist's tables.
/// Done to a path that names something else (`--db /etc/passwd`, `--db /dev/null`, another
/// program's database), that would damage it, and a FIFO would hang the open. So before
/// anything is changed, the path must be missing, an empty file, or an SQLite database that
/// is empty or holds Hoist's migrations (or is being given them).
enum HistoryFileCheck {
    static func check(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw HistoryError.notAHistory(path: path, reason: "it is \(kind(info.st_mode)), not a file")
        }
        guard info.st_size > 0 else { return }
        // SQLite reads the file, not this process: a descriptor of ours on a database that a
        // connection here has open would drop that connection's locks when closed.
        let tables: [String], applied: [String]
        do {
            (tables, applied) = try contents(path)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw HistoryError.notAHistory(path: path, reason: "it is not an SQLite database")
        } catch {
            return
        }
        // Only the migrations table: another opener is between making it and committing the
        // first migration.
        if tables.allSatisfy({ $0 == "grdb_migrations" }) || applied.contains(HistorySchema.migrationIdentifiers.first ?? "") { return }
        let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
        throw HistoryError.notAHistory(path: path, reason: "it is another program's SQLite database (tables: \(shown))")
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a named pipe"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// The file's tables and the migrations it records, from a read-only look: no WAL
    /// switch, no schema change. Where that look cannot be taken (a WAL file whose shared
    /// memory cannot be made), the open that follows reports the reason.
    private static func contents(_ path: String) throws -> (tables: [String], applied: [String]) {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            let applied = tables.contains("grdb_migrations")
                ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
            return (tables, applied)
        }
    }
}

import Foundation
import HoistCore
import HoistHistory

/// The history's schema on PostgreSQL: the SQLite file's (`HistorySchema`) migrations, names
/// and statements, with PostgreSQL's integer types. Identifiers are unquoted, so PostgreSQL
/// folds them to lower case.
///
/// Migrations run under an advisory lock, so coordinators starting at once apply each one
/// exactly once; `hoist_migrations` records them.
enum PostgresSchema {
    /// Migrations oldest first: `HistorySchema`'s, one statement at a time (as the extended
    /// query protocol takes them), with SQLite's integer columns made PostgreSQL's.
    static let migrations: [(id: String, statements: [String])] = HistorySchema.migrations.map { migration in
        (migration.id, migration.sql.split(separator: ";").map { translate(String($0)) }.filter { !$0.isEmpty })
    }

    /// SQLite's `INTEGER PRIMARY KEY [AUTOINCREMENT]` (a row id) becomes `BIGSERIAL PRIMARY
    /// KEY`, and `INTEGER` `BIGINT` (times are milliseconds since 1970).
    static func translate(_ statement: String) -> String {
        statement.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "INTEGER PRIMARY KEY AUTOINCREMENT", with: "BIGSERIAL PRIMARY KEY")
            .replacingOccurrences(of: "INTEGER PRIMARY KEY", with: "BIGSERIAL PRIMARY KEY")
            .replacingOccurrences(of: "INTEGER", with: "BIGINT")
    }

    static var identifiers: [String] { migrations.map(\.id) }

    /// The key of the advisory lock migrations take ("hoist" in ASCII).
    static let lockKey: Int64 = 0x68_6f_69_73_74

    /// Brings the schema up to date, or refuses a schema newer than this Hoist knows.
    static func migrate(_ session: Session, store: String) throws {
        try session.execute("SELECT pg_advisory_lock(\(lockKey))")
        defer { try? session.execute("SELECT pg_advisory_unlock(\(lockKey))") }
        try session.execute("CREATE TABLE IF NOT EXISTS hoist_migrations (identifier TEXT PRIMARY KEY, appliedAt BIGINT NOT NULL)")
        let applied = try session.query("SELECT identifier FROM hoist_migrations").map { try $0.makeRandomAccess()[0].decode(String.self) }
        let known = Set(identifiers)
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw HistoryError.schemaMismatch(store: store, found: newest(applied, unknown), known: identifiers.last!, newer: true)
        }
        for migration in migrations where !applied.contains(migration.id) {
            try session.execute("BEGIN")
            do {
                for statement in migration.statements { try session.execute(statement) }
                try session.execute(
                    "INSERT INTO hoist_migrations (identifier, appliedAt) VALUES ('\(migration.id)', \(Int64(Date().timeIntervalSince1970 * 1000)))")
                try session.execute("COMMIT")
            } catch {
                try? session.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Refuses to write when another Hoist has migrated the store past this one's schema
    /// since it was opened (or it lacks migrations this one knows). Runs inside each write's
    /// transaction, beside the transaction id, so it costs no extra round trip.
    static func checkCurrent(_ session: Session, store: String) throws {
        let count: Int64 = try session.one("SELECT count(*) FROM hoist_migrations")
        guard count != Int64(migrations.count) else { return }
        let applied = try session.query("SELECT identifier FROM hoist_migrations ORDER BY appliedAt, identifier")
            .map { try $0.makeRandomAccess()[0].decode(String.self) }
        let known = Set(identifiers)
        let unknown = applied.first { !known.contains($0) }
        throw HistoryError.schemaMismatch(
            store: store, found: unknown.map { newest(applied, $0) } ?? applied.last ?? "none",
            known: identifiers.last!, newer: unknown != nil)
    }

    private static func newest(_ applied: [String], _ fallback: String) -> String {
        applied.filter { !identifiers.contains($0) }.max() ?? fallback
    }
}

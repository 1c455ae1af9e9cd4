import Foundation
import HoistCore
import HoistHistory
import HoistHistoryPostgres
import HoistTestSupport
import Testing

/// The stores the history contract is tested against: every contract test runs once on a
/// fresh SQLite file and once on a fresh database of the real PostgreSQL server scripts/test
/// starts.
enum HistoryStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A new, empty store of this kind (its file or database is the test's alone).
    func open() throws -> any HistoryStore {
        switch self {
        case .sqlite: return try TempHistory().open()
        case .postgres: return try Self.open(url: try TestPostgres.freshDatabase())
        }
    }

    /// The PostgreSQL store at `url`.
    static func open(url: String) throws -> any HistoryStore {
        try PostgresHistoryStore(url: PostgresURL(url, environment: [:]))
    }
}

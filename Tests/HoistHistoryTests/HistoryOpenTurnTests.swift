import Foundation
@testable import HoistHistory
import Testing

/// Openings of one history file take turns (`HistoryOpenTurn`), so several processes that
/// are the first to open a new file do not wait on each other's SQLite locks until their
/// busy timeouts run out; a turn that is not granted in time never stops an opening.
@Suite struct HistoryOpenTurnTests {
    @Test func oneOpeningHasTheTurnAtATime() throws {
        let temp = try TempHistory()
        let first = HistoryOpenTurn(beside: temp.path, waitSeconds: 0)
        #expect(first.held)
        let second = HistoryOpenTurn(beside: temp.path, waitSeconds: 0)
        #expect(!second.held)
        first.end()
        let third = HistoryOpenTurn(beside: temp.path, waitSeconds: 0)
        #expect(third.held)
        third.end()
    }

    @Test func theLockFileIsTheUsersAlone() throws {
        let temp = try TempHistory()
        _ = try temp.open()
        let mode = try #require(FileManager.default.attributesOfItem(atPath: temp.path + "-open-lock")[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    @Test func aStoreOpensWithoutTheTurnWhenAnotherKeepsItTooLong() throws {
        let temp = try TempHistory()
        let stuck = HistoryOpenTurn(beside: temp.path, waitSeconds: 0)
        #expect(stuck.held)
        defer { stuck.end() }
        let store = try SQLiteHistoryStore(path: temp.path, busyTimeoutSeconds: 0.05)
        #expect(try store.appliedMigrations() == HistorySchema.migrationIdentifiers)
    }

    @Test func theTurnEndsWithTheOpening() throws {
        let temp = try TempHistory()
        _ = try temp.open()
        let next = HistoryOpenTurn(beside: temp.path, waitSeconds: 0)
        #expect(next.held)
        next.end()
    }
}

import Foundation
import HoistCore
@testable import HoistHistory
import Testing

/// Openings of one history file take turns (`HistoryFileLock.opening`), so several processes that
/// are the first to open a new file do not wait on each other's SQLite locks until their
/// busy timeouts run out; a turn that is not granted in time never stops an opening.
@Suite struct HistoryFileLockTests {
    @Test func oneOpeningHasTheTurnAtATime() throws {
        let temp = try TempHistory()
        let first = HistoryFileLock(beside: temp.path, suffix: HistoryFileLock.opening, waitSeconds: 0)
        #expect(first.held)
        let second = HistoryFileLock(beside: temp.path, suffix: HistoryFileLock.opening, waitSeconds: 0)
        #expect(!second.held)
        first.release()
        let third = HistoryFileLock(beside: temp.path, suffix: HistoryFileLock.opening, waitSeconds: 0)
        #expect(third.held)
        third.release()
    }

    @Test func theLockFileIsTheUsersAlone() throws {
        let temp = try TempHistory()
        _ = try temp.open()
        let mode = try #require(FileManager.default.attributesOfItem(atPath: temp.path + "-open-lock")[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    @Test(.timeLimit(.minutes(1))) func aStoreOpensWithoutTheTurnWhenAnotherKeepsItTooLong() throws {
        let temp = try TempHistory()
        let stuck = HistoryFileLock(beside: temp.path, suffix: HistoryFileLock.opening, waitSeconds: 0)
        #expect(stuck.held)
        defer { stuck.release() }
        let store = try SQLiteHistoryStore(path: temp.path, busyTimeoutSeconds: 0.05)
        #expect(try store.appliedMigrations() == HistorySchema.migrationIdentifiers)
    }

    @Test func theTurnEndsWithTheOpening() throws {
        let temp = try TempHistory()
        _ = try temp.open()
        let next = HistoryFileLock(beside: temp.path, suffix: HistoryFileLock.opening, waitSeconds: 0)
        #expect(next.held)
        next.release()
    }

    /// An import while another holds the file's import lock says it waits, then runs once
    /// the other lets go.
    @Test(.timeLimit(.minutes(1))) func anImportWaitsForTheOneBeforeIt() throws {
        let temp = try TempHistory()
        let store = try temp.open()
        let other = HistoryFileLock(beside: temp.path, suffix: HistoryFileLock.importing, waitSeconds: 0)
        #expect(other.held)
        let announced = DispatchSemaphore(value: 0)
        let ran = Locked(false)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? store.whileImporting(waiting: { announced.signal() }) { ran.withLock { $0 = true } }
            done.signal()
        }
        announced.wait()
        #expect(!ran.current)
        other.release()
        done.wait()
        #expect(ran.current)
    }
}

import Foundation
import GRDB
import HoistCore
import HoistHistory
import Testing

/// Another process holding the history file's write lock (an open `BEGIN EXCLUSIVE` in the
/// sqlite3 shell) longer than the busy timeout: writes wait for it, within the outage limit.
/// Hook output was dropped after 10 s, for good.
@Suite struct LockedFileTests {
    @Test(.timeLimit(.minutes(5))) func aWriteWaitsForALockHeldPastTheBusyTimeout() async throws {
        let temp = try TempHistory()
        let told = Locked<[String]>([])
        let store = try SQLiteHistoryStore(path: temp.path, busyTimeoutSeconds: 0.05, lockLimit: .seconds(600),
                                           notices: { message in told.withLock { $0.append(message) } })
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1, status: .inProgress))

        var holding = Configuration()
        holding.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: temp.path, configuration: holding)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        // A thread of its own: the write blocks, and the pool's two threads are the test's.
        let written = Locked<Result<Void, any Error>?>(nil)
        Thread { written.withLock { $0 = Result { try store.appendOutput([Fixture.line(id, "web-1", .afterInstall, "kept")]) } } }.start()
        let deadline = Date().addingTimeInterval(240)
        while told.current.isEmpty, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await other.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        while written.current == nil, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(written.current != nil, "the write ended once the lock was let go")
        try written.current?.get()

        #expect(told.current.count == 1, "said once: \(told.current)")
        #expect(told.current.first?.contains("is locked by another process; waiting for it") == true)
        #expect(try store.output(of: id, host: nil, event: nil, afterSeq: 0, limit: 10).map(\.text) == ["kept"])
    }
}

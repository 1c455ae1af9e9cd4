import Foundation
import HoistCore

extension SQLiteHistoryStore {
    /// Imports into the file take turns through `HistoryFileLock.importing` beside it:
    /// deployments writing meanwhile are not held up, as they would be by one long SQLite
    /// transaction. Where the lock cannot be taken at all (a file system without locks), the
    /// import runs without it.
    public func whileImporting<T>(waiting: () -> Void, _ body: () throws -> T) throws -> T {
        let lock = HistoryFileLock(beside: path, suffix: HistoryFileLock.importing, waitSeconds: nil, waiting: waiting)
        defer { lock.release() }
        return try body()
    }
}

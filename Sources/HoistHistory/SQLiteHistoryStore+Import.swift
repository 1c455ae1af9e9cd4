import Foundation
import HoistCore

extension SQLiteHistoryStore {
    /// Imports into the file take turns through an advisory lock (`flock`) on a file beside
    /// it, `<file>-import-lock`: deployments writing meanwhile are not held up, as they would
    /// be by one long SQLite transaction. Where the lock cannot be taken at all (a file system
    /// without locks), the import runs without it.
    public func whileImporting<T>(waiting: () -> Void, _ body: () throws -> T) throws -> T {
        let lockPath = path + "-import-lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return try body() }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else { return try body() }
            waiting()
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { return try body() }
            }
        }
        return try body()
    }
}

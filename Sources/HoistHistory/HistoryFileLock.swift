import Foundation

/// An advisory lock (`flock`) on an empty file beside a SQLite history, `<file><suffix>`
/// (mode 0600): how processes sharing one history file take turns at what SQLite's own locks
/// handle badly, without holding up the deployments that write to the file meanwhile.
/// - `opening`: several processes that are the first to open a new file would switch it to
///   WAL and apply its migrations at the same moment, and under load their SQLite locks wait
///   on each other until the busy timeouts run out ("database is locked").
/// - `importing`: two imports of one file would copy the same rows twice.
///
/// Where the lock file cannot be made or locked (a file system without locks), or the wait
/// allowed ends first (a holder stopped mid-open), `held` is false and the caller goes on
/// without it, as it would with no lock at all.
struct HistoryFileLock {
    static let opening = "-open-lock"
    static let importing = "-import-lock"

    private let fd: Int32?

    /// Takes the lock on `path + suffix`, waiting up to `waitSeconds`, or as long as it takes
    /// when that is nil. `waiting` is called once, when the lock is held by another.
    init(beside path: String, suffix: String, waitSeconds: Double?, waiting: () -> Void = {}) {
        let fd = open(path + suffix, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { self.fd = nil; return }
        if Self.lock(fd, waitSeconds: waitSeconds, waiting: waiting) {
            self.fd = fd
        } else {
            close(fd)
            self.fd = nil
        }
    }

    private static func lock(_ fd: Int32, waitSeconds: Double?, waiting: () -> Void) -> Bool {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        guard errno == EWOULDBLOCK || errno == EINTR else { return false }
        waiting()
        guard let waitSeconds else {
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { return false }
            }
            return true
        }
        let deadline = Date().addingTimeInterval(waitSeconds)
        while Date() < deadline {
            // Openings take milliseconds; a short nap keeps the wait bounded without a thread.
            usleep(20_000)
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            guard errno == EWOULDBLOCK || errno == EINTR else { return false }
        }
        return false
    }

    /// Whether the caller has the lock (false: it goes on without one).
    var held: Bool { fd != nil }

    /// Lets the next process in.
    func release() {
        if let fd { close(fd) }
    }
}

import Foundation

/// Processes opening one history file take turns through an advisory lock (`flock`) on a
/// file beside it, `<file>-open-lock`. Several processes that are the first to open a new
/// file otherwise switch it to WAL and apply its migrations at the same moment, and under
/// load their SQLite locks wait on each other until the busy timeouts run out ("database
/// is locked"). The turn covers only the opening, so a deployment writing meanwhile is not
/// held up. A turn not granted within `waitSeconds` (a holder stopped mid-open), or a file
/// system without locks, lets the opening go ahead without it, as before.
struct HistoryOpenTurn {
    private let fd: Int32?

    init(beside path: String, waitSeconds: Double) {
        let fd = open(path + "-open-lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { self.fd = nil; return }
        let deadline = Date().addingTimeInterval(waitSeconds)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            // Openings take milliseconds; a short nap keeps the wait bounded without a thread.
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                self.fd = nil
                return
            }
            usleep(20_000)
        }
        self.fd = fd
    }

    /// Whether the opening has the turn (false: it goes ahead without one).
    var held: Bool { fd != nil }

    /// Ends the turn: the next process opening the file goes on.
    func end() {
        if let fd { close(fd) }
    }
}

import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ends a session thread's poll() early, from any thread. A command waiting on a quiet host
/// (a hook that runs for minutes) would otherwise have to wake every second to see whether a
/// heartbeat was queued beside it or its task was cancelled (about 40 µs of the coordinator's
/// CPU per host and second). With it, such a wait sleeps until something arrives, it is woken, or a keepalive or a
/// deadline is due. One eventfd: a wake is remembered until the wait drains it, so none is
/// lost between a look at the queue and the poll.
final class PollWaker: @unchecked Sendable {
    /// The eventfd, or -1 when none could be made (out of descriptors): waits then wake every
    /// second, as before.
    let descriptor: Int32

    init() {
        descriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
    }

    var isUsable: Bool { descriptor >= 0 }

    func wake() {
        guard isUsable else { return }
        var one: UInt64 = 1
        _ = write(descriptor, &one, 8)
    }

    /// Takes back every wake so far (after a poll that saw one).
    func drain() {
        guard isUsable else { return }
        var count: UInt64 = 0
        _ = read(descriptor, &count, 8)
    }

    deinit {
        if isUsable { close(descriptor) }
    }
}

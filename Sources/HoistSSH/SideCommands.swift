import CLibSSH2
import Foundation
import HoistCore

/// Short commands queued to run beside a session's current job (`HostSession.runBeside`):
/// the lock's heartbeat while a hook runs for minutes. A session thread runs one job at a
/// time, and a running hook or upload is one job, so without this the heartbeat would need a
/// second connection to every host. SSH multiplexes channels on one connection, so the job
/// that holds the thread runs the queued commands itself, each on a channel of its own,
/// wherever it waits for the host between polls (`serve`); when the thread is idle they run
/// as a job of their own.
///
/// A queued command runs to its end before the job that serves it goes on: meanwhile libssh2
/// keeps the job's incoming data queued on its channel (up to the channel's window), so
/// nothing is lost; the job's own deadline checks wait that long (one short command).
/// Touched on the session's thread only, but for `add`.
final class SideCommands: @unchecked Sendable {
    /// How a queued command gets to run.
    enum Turn {
        /// A running job serves it: it must leave that job's channel and the resident shell
        /// (the job may be using it) alone.
        case beside
        /// The thread was idle: it is the thread's job.
        case alone
        /// The session's thread has stopped: it fails without touching the session.
        case closed
    }
    typealias Job = (Turn) -> Void

    private let pending = Locked<[Job]>([])
    private var running = false
    /// Wakes the running job's wait (`SSHSessionHandle.wait`) for a command queued here, or for
    /// a job whose task was cancelled.
    let waker = PollWaker()
    /// How long the running job's wait may sleep with nothing due (`SSHConnectorOptions
    /// .quietWaitSeconds`); a second without a working waker.
    let quietWaitSeconds: Double

    init(quietWaitSeconds: Double = 30) {
        self.quietWaitSeconds = waker.isUsable ? quietWaitSeconds : 1
    }

    func add(_ job: @escaping Job) {
        pending.withLock { $0.append(job) }
        waker.wake()
    }

    /// Marks a job of this session cancelled (`flag`, which its loop reads) and wakes its wait,
    /// so the stop does not wait for the wait's end. Any thread.
    func cancel(_ flag: Locked<Bool>) {
        flag.withLock { $0 = true }
        waker.wake()
    }

    /// Runs every queued command, in order; true when one ran. Does nothing inside a side
    /// command (its own waits come here too). On the session's thread.
    @discardableResult
    func runPending(_ turn: Turn) -> Bool {
        guard !running else { return false }
        running = true
        defer { running = false }
        var ran = false
        while let job = next() {
            job(turn)
            ran = true
        }
        return ran
    }

    /// Fails every queued command: the session's thread will not run them. Any thread.
    func failPending() {
        while let job = next() { job(.closed) }
    }

    /// Called by a running job where it waits for the host and nothing of its own is half
    /// done; true when a command ran (the job's channel may have data by now). libssh2
    /// refuses a new packet while an earlier one is only partly sent (the session is then
    /// blocked outbound): the commands wait for the job's next wait then.
    @discardableResult
    func serve(on handle: SSHSessionHandle) -> Bool {
        guard !handle.isMidPacket else { return false }
        return runPending(.beside)
    }

    private func next() -> Job? {
        pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
}
